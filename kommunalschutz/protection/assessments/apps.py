from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kommunalschutz.protection.assessments"
    label = "assessments"
    verbose_name = "Assessments"
