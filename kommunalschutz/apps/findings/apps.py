from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "kommunalschutz.apps.findings"
    label = "findings"
    verbose_name = "Findings"
