from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "kommunalschutz.surveys.findings"
    label = "findings"
    verbose_name = "Findings"
