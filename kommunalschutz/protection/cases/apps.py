from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kommunalschutz.protection.cases"
    label = "cases"
    verbose_name = "Cases"
