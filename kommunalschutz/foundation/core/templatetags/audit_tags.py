"""Template filters of the audit pages: local time with its zone named (core.audit_display)."""

from __future__ import annotations

import datetime as dt

from django import template

from kommunalschutz.foundation.core.audit_display import local_time as _local_time

register = template.Library()


@register.filter
def local_time(value: dt.datetime | None) -> str:
    """"05.12.2026, 04:12 MEZ": the platform's time zone, named."""
    return _local_time(value)
