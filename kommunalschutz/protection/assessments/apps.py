from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kommunalschutz.protection.assessments"
    label = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.home import add_home_context
        from kommunalschutz.protection.assessments.home import home_context

        add_home_context(home_context)
