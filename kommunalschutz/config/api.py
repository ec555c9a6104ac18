"""The REST API under /api/v1/: one NinjaAPI, one router per app that has endpoints."""

from __future__ import annotations

from ninja import NinjaAPI

from kommunalschutz.alliance.councils.api import router as councils_router
from kommunalschutz.alliance.engagements.api import router as engagements_router
from kommunalschutz.alliance.events.api import router as events_router
from kommunalschutz.alliance.insights.api import router as insights_router
from kommunalschutz.alliance.programme.api import router as alliance_router
from kommunalschutz.foundation.accounts.api import router as accounts_router
from kommunalschutz.foundation.registry.api import router as registry_router
from kommunalschutz.foundation.web.guard import JSONParser, install_api_handlers
from kommunalschutz.protection.assessments.api import router as assessments_router
from kommunalschutz.protection.cases.api import router as cases_router
from kommunalschutz.protection.casestats.api import router as casestats_router
from kommunalschutz.protection.evidence.api import router as evidence_router
from kommunalschutz.protection.intake.api import router as intake_router
from kommunalschutz.protection.measures.api import router as measures_router
from kommunalschutz.surveys.findings.api import router as findings_router
from kommunalschutz.surveys.projects.api import router as surveys_router

api = NinjaAPI(
    title="Kommunalschutz API",
    version="1",
    urls_namespace="api-v1",
    parser=JSONParser(),
    description=(
        "Registry data is open data and needs no authentication. Everything else takes a bearer token "
        "(`Authorization: Bearer <token>`), created in the web interface or with `kommunalschutz createtoken`."
    ),
)
install_api_handlers(api)  # German answers for bad input (decision 0017)
api.add_router("/", registry_router)
api.add_router("/", accounts_router)
api.add_router("/", alliance_router)
api.add_router("/", engagements_router)
api.add_router("/", councils_router)
api.add_router("/", events_router)
api.add_router("/", insights_router)
api.add_router("/", cases_router)
api.add_router("/", intake_router)
api.add_router("/", evidence_router)
api.add_router("/", assessments_router)
api.add_router("/", measures_router)
api.add_router("/", casestats_router)
api.add_router("/", surveys_router)
api.add_router("/", findings_router)
