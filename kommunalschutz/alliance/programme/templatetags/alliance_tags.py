"""Small display helpers for the alliance templates."""

from __future__ import annotations

from django import template

from kommunalschutz.alliance.programme.models import STAGE_ORDER, Stage

register = template.Library()


@register.filter
def stage_label(stage: str | None) -> str:
    """The translated name of a stage value (annotations carry the bare value)."""
    if not stage or stage not in STAGE_ORDER:
        return ""
    return str(Stage(stage).label)
