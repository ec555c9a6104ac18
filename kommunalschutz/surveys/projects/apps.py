from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kommunalschutz.surveys.projects"
    label = "surveys"
    verbose_name = _("Citizen surveys")
