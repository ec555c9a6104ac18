from django.apps import AppConfig


class CasestatsConfig(AppConfig):
    name = "kommunalschutz.protection.casestats"
    label = "casestats"
    verbose_name = "Casestats"
