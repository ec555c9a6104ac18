from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kommunalschutz.apps.evidence"
    label = "evidence"
    verbose_name = "Evidence"
