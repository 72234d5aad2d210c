from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    name = "prachum.committees"
    label = "committees"
