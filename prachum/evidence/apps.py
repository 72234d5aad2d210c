from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "prachum.evidence"
    label = "evidence"
