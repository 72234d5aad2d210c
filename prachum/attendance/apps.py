from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "prachum.attendance"
    label = "attendance"
