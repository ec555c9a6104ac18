"""The insights app's part of the start page: the programme's key figures today for the coordination
office (insights.view_dashboard), with the way to the dashboard."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.home import Figure, HomeSection, sections

# The figures the start page shows (the dashboard shows them all, with their change over a year).
KEY_FIGURES = ("member_municipalities", "model_municipalities", "cooperation_agreements", "prevention_councils",
               "consultations", "coaching_processes", "security_analyses")


def home_context(request: HttpRequest) -> dict[str, Any]:
    from kommunalschutz.alliance.insights.charts import figure_labels
    from kommunalschutz.alliance.insights.figures import figures_as_of

    user = request.user
    if not user.is_authenticated or not user.has_perm("insights.view_dashboard"):
        return {}
    values = figures_as_of(timezone.localdate()).values()
    labels = figure_labels()
    return sections(HomeSection(
        key="insights-figures", wing="alliance", position=1, title=_("The programme in figures"), waiting=False,
        figures=[Figure(labels[name], values[name]) for name in KEY_FIGURES],
        more_url=reverse("insights:dashboard"), more_label=_("Dashboard")))
