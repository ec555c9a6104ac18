from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kommunalschutz.core"
    label = "core"
    verbose_name = "Core"
