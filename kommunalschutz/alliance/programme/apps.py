from django.apps import AppConfig


class AllianceConfig(AppConfig):
    name = "kommunalschutz.alliance.programme"
    label = "alliance"
    verbose_name = "Alliance"
