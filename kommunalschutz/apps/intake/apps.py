from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "kommunalschutz.apps.intake"
    label = "intake"
    verbose_name = "Intake"
