from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "kommunalschutz.apps.sampling"
    label = "sampling"
    verbose_name = "Sampling"
