from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kommunalschutz.apps.insights"
    label = "insights"
    verbose_name = "Insights"
