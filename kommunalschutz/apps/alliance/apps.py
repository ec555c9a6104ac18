from django.apps import AppConfig


class AllianceConfig(AppConfig):
    name = "kommunalschutz.apps.alliance"
    label = "alliance"
    verbose_name = "Alliance"
