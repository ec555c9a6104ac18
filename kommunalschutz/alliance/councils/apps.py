from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "kommunalschutz.alliance.councils"
    label = "councils"
    verbose_name = "Councils"
