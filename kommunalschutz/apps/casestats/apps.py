from django.apps import AppConfig


class CasestatsConfig(AppConfig):
    name = "kommunalschutz.apps.casestats"
    label = "casestats"
    verbose_name = "Casestats"
