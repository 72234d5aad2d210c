from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "prachum.notices"
    label = "notices"
