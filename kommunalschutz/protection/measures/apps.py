from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "kommunalschutz.protection.measures"
    label = "measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.home import add_home_context
        from kommunalschutz.protection.measures.home import home_context

        add_home_context(home_context)

        from kommunalschutz.protection.cases import hooks
        from kommunalschutz.protection.measures.selectors import statistic_masks

        # The case's statistical record counts its measures and referrals (cases imports no measures code).
        hooks.register_statistic_contributor("measures", statistic_masks)
