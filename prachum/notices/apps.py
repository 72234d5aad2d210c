from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "prachum.notices"
    label = "notices"

    def ready(self) -> None:
        # A worker starting finishes the mail a killed worker left (issue 15).
        from prachum.notices import recovery  # noqa: F401
