from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.navigation import navigation_for


def platform(request: HttpRequest) -> dict[str, Any]:
    from kommunalschutz.foundation.core.models import SiteState

    state = SiteState.objects.filter(pk=1).only("demo_loaded_at").first()
    return {
        "platform_name": settings.PLATFORM_NAME,
        # The state package: its German names and map settings for every page (decision 0039).
        "state_package": states.current(),
        "demo_mode": bool(state and state.demo_loaded_at),
        "navigation": navigation_for(request),
    }
