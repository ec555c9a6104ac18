from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kommunalschutz.apps.assessments"
    label = "assessments"
    verbose_name = "Assessments"
