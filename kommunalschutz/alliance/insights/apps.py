from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kommunalschutz.alliance.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from kommunalschutz.alliance.insights import rollup
        from kommunalschutz.alliance.insights.home import home_context
        from kommunalschutz.foundation.core.home import add_home_context

        add_home_context(home_context)
        # Keep the programme figures' roll-up with every write of the records behind them (decision 0032).
        rollup.connect()
