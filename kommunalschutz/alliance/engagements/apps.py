from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "kommunalschutz.alliance.engagements"
    label = "engagements"
    verbose_name = "Engagements"
