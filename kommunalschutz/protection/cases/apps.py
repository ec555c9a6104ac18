from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kommunalschutz.protection.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.home import add_home_context
        from kommunalschutz.protection.cases.home import home_context

        add_home_context(home_context)
