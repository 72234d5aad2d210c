from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "prachum.accounts"
    label = "accounts"

    def ready(self) -> None:
        from prachum.accounts import checks  # noqa: F401  (registers the checks)
