from django.urls import include, path, re_path

from kommunalschutz.config.api import api, unknown_path
from kommunalschutz.surveys.officials import urls as officials
from kommunalschutz.surveys.projects import urls as survey_projects
from kommunalschutz.surveys.responses.urls import practice_urlpatterns as practice_answers
from kommunalschutz.surveys.sampling.urls import practice_urlpatterns as practice_register

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<path>.*)$", unknown_path),
    path("konto/", include("kommunalschutz.foundation.accounts.urls")),
    path("register/", include("kommunalschutz.foundation.registry.urls")),
    path("allianz/", include("kommunalschutz.alliance.programme.urls")),
    path("angebote/", include("kommunalschutz.alliance.engagements.urls")),
    path("praeventionsraete/", include("kommunalschutz.alliance.councils.urls")),
    path("veranstaltungen/", include("kommunalschutz.alliance.events.urls")),
    path("programm/", include("kommunalschutz.alliance.insights.urls")),
    path("faelle/", include("kommunalschutz.protection.cases.urls")),
    path("melden/", include("kommunalschutz.protection.intake.urls")),
    path("beweismittel/", include("kommunalschutz.protection.evidence.urls")),
    path("online-hass/", include("kommunalschutz.protection.onlinehate.urls")),
    path("gefaehrdungsbewertung/", include("kommunalschutz.protection.assessments.urls")),
    path("massnahmen/", include("kommunalschutz.protection.measures.urls")),
    path("fallstatistik/", include("kommunalschutz.protection.casestats.urls")),
    path("lagebericht/", include("kommunalschutz.situation.urls")),
    # The survey hub; its practice-project tools come from the apps that own their data.
    path("befragungen/", include(([*survey_projects.urlpatterns, *practice_register, *practice_answers],
                                  survey_projects.app_name))),
    path("stichprobe/", include("kommunalschutz.surveys.sampling.urls")),
    path("umfrage/amt/", include((officials.answer_urlpatterns, "officials_answer"))),
    path("umfrage/", include("kommunalschutz.surveys.responses.urls")),
    path("amtstraeger-befragung/", include("kommunalschutz.surveys.officials.urls")),
    path("auswertung/", include("kommunalschutz.surveys.findings.urls")),
    path("", include("kommunalschutz.foundation.core.urls")),
]
