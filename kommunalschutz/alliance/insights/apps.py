from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        # A database migrated to the roll-up with records in it: build it once (decision 0032).
        post_migrate.connect(rollup.fill_if_empty, sender=self)
