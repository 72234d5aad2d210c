from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "prachum.media"
    label = "media"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from prachum.media import loader  # noqa: F401 (connects the settings signal)
