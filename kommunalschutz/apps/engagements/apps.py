from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "kommunalschutz.apps.engagements"
    label = "engagements"
    verbose_name = "Engagements"
