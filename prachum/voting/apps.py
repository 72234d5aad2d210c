from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "prachum.voting"
    label = "voting"
