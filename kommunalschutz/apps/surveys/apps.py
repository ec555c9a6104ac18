from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "kommunalschutz.apps.surveys"
    label = "surveys"
    verbose_name = "Surveys"
