from django.apps import AppConfig


class MinutesConfig(AppConfig):
    name = "prachum.minutes"
    label = "minutes"
