"""Deployment checks of our own, run by `kommunalschutz check-deploy` next to Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_platform_deploy(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if settings.DEBUG:
        messages.append(Error("DEBUG is on.", hint="Set DEBUG=false in production.", id="kommunalschutz.E001"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        messages.append(Warning(
            "SQLite is in use.", hint="SQLite suits a single server with little load; set DATABASE_URL to "
            "PostgreSQL for production (docs/deployment.md).", id="kommunalschutz.W001"))
    if not settings.REDIS_URL:
        messages.append(Warning(
            "REDIS_URL is not set: tasks and cache use SQLite/the database.",
            hint="Set REDIS_URL for several web workers.", id="kommunalschutz.W002"))
    if len(settings.FIELD_ENCRYPTION_KEYS) > 3:
        messages.append(Warning(
            "More than three field encryption keys are configured.",
            hint="Run `kommunalschutz rotate-keys` and drop the old keys.", id="kommunalschutz.W003"))
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        messages.append(Warning("E-mail goes to the console.", hint="Set EMAIL_BACKEND and EMAIL_HOST.",
                                id="kommunalschutz.W004"))
    return messages
