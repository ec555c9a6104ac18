"""The REST API under /api/v1/: one NinjaAPI, one router per app."""

from __future__ import annotations

from ninja import NinjaAPI

from kommunalschutz.apps.accounts.api import router as accounts_router
from kommunalschutz.apps.registry.api import router as registry_router

api = NinjaAPI(
    title="Kommunalschutz API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "Registry data is open data and needs no authentication. Everything else takes a bearer token "
        "(`Authorization: Bearer <token>`), created in the web interface or with `kommunalschutz createtoken`."
    ),
)
api.add_router("/", registry_router)
api.add_router("/", accounts_router)
