from django.urls import include, path

from kommunalschutz.config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
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
    path("gefaehrdungsbewertung/", include("kommunalschutz.protection.assessments.urls")),
    path("massnahmen/", include("kommunalschutz.protection.measures.urls")),
    path("fallstatistik/", include("kommunalschutz.protection.casestats.urls")),
    path("befragungen/", include("kommunalschutz.surveys.projects.urls")),
    path("stichprobe/", include("kommunalschutz.surveys.sampling.urls")),
    path("umfrage/", include("kommunalschutz.surveys.responses.urls")),
    path("auswertung/", include("kommunalschutz.surveys.findings.urls")),
    path("", include("kommunalschutz.foundation.core.urls")),
]
