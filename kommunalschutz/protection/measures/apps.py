from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "kommunalschutz.protection.measures"
    label = "measures"
    verbose_name = "Measures"
