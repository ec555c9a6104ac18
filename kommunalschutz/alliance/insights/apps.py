from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kommunalschutz.alliance.insights"
    label = "insights"
    verbose_name = "Insights"
