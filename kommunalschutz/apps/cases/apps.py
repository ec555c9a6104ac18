from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kommunalschutz.apps.cases"
    label = "cases"
    verbose_name = "Cases"
