from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "prachum.retention"
    label = "retention"
