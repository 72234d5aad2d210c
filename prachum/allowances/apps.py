from django.apps import AppConfig


class AllowancesConfig(AppConfig):
    name = "prachum.allowances"
    label = "allowances"
