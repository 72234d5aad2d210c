from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "prachum.meetings"
    label = "meetings"
