from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "kommunalschutz.apps.measures"
    label = "measures"
    verbose_name = "Measures"
