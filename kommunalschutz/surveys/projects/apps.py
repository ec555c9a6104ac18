from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kommunalschutz.surveys.projects"
    label = "surveys"
    verbose_name = _("Citizen surveys")

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from kommunalschutz.foundation.core.home import add_home_context
        from kommunalschutz.foundation.core.tasks import register_operation
        from kommunalschutz.surveys.projects.home import home_context

        add_home_context(home_context)
        # The paper questionnaire is laid out in the background with progress (decision 0024).
        register_operation("surveys.questionnaire_pdf",
                           "kommunalschutz.surveys.projects.paper:questionnaire_pdf_operation",
                           pgettext_lazy("operation", "questionnaire as PDF"))
