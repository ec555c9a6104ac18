from django.urls import include, path

from kommunalschutz.config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("konto/", include("kommunalschutz.apps.accounts.urls")),
    path("register/", include("kommunalschutz.apps.registry.urls")),
    path("allianz/", include("kommunalschutz.apps.alliance.urls")),
    path("angebote/", include("kommunalschutz.apps.engagements.urls")),
    path("praeventionsraete/", include("kommunalschutz.apps.councils.urls")),
    path("veranstaltungen/", include("kommunalschutz.apps.events.urls")),
    path("programm/", include("kommunalschutz.apps.insights.urls")),
    path("faelle/", include("kommunalschutz.apps.cases.urls")),
    path("melden/", include("kommunalschutz.apps.intake.urls")),
    path("beweismittel/", include("kommunalschutz.apps.evidence.urls")),
    path("gefaehrdungsbewertung/", include("kommunalschutz.apps.assessments.urls")),
    path("massnahmen/", include("kommunalschutz.apps.measures.urls")),
    path("fallstatistik/", include("kommunalschutz.apps.casestats.urls")),
    path("befragungen/", include("kommunalschutz.apps.surveys.urls")),
    path("stichprobe/", include("kommunalschutz.apps.sampling.urls")),
    path("umfrage/", include("kommunalschutz.apps.responses.urls")),
    path("auswertung/", include("kommunalschutz.apps.findings.urls")),
    path("", include("kommunalschutz.core.urls")),
]
