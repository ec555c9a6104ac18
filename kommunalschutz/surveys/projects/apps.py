from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kommunalschutz.surveys.projects"
    label = "surveys"
    verbose_name = _("Citizen surveys")

    def ready(self) -> None:
        from kommunalschutz.foundation.core.home import add_home_context
        from kommunalschutz.surveys.projects.home import home_context

        add_home_context(home_context)
