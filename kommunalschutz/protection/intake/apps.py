from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "kommunalschutz.protection.intake"
    label = "intake"
    verbose_name = "Intake"
