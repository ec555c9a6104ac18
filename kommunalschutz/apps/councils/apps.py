from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "kommunalschutz.apps.councils"
    label = "councils"
    verbose_name = "Councils"
