from django.apps import AppConfig


class OnlineHateConfig(AppConfig):
    name = "kommunalschutz.protection.onlinehate"
    label = "onlinehate"
    verbose_name = "Online hate"
