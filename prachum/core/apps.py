from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "prachum.core"
    label = "core"
