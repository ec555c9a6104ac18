"""What the apps built on the programme add to it, so the programme imports none of them.

A municipality's (or district's) record page shows the engagements and councils of that target,
and deleting a lifecycle step must not leave an engagement before the first contact. Both belong
to the apps that own those records: engagements and councils register here in their
``AppConfig.ready`` (the pattern of ``foundation.core.home``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

# (target, user) -> what the record page of a municipality or district shows of the app's records.
RecordContext = Callable[[Any, Any], dict[str, Any]]
# (municipality, district, first contact after the deletion or None) -> why the step cannot go, or None.
FirstContactGuard = Callable[[Any, Any, dt.date | None], str | None]

_record_contributors: list[RecordContext] = []
_first_contact_guards: list[FirstContactGuard] = []


def add_record_context(contributor: RecordContext) -> None:
    if contributor not in _record_contributors:
        _record_contributors.append(contributor)


def record_context(target: Any, user: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for contributor in _record_contributors:
        context.update(contributor(target, user))
    return context


def add_first_contact_guard(guard: FirstContactGuard) -> None:
    if guard not in _first_contact_guards:
        _first_contact_guards.append(guard)


def first_contact_problem(municipality: Any, district: Any, first_contact: dt.date | None) -> str | None:
    """The first reason a registered app gives against this first contact (None: every app agrees)."""
    for guard in _first_contact_guards:
        problem = guard(municipality, district, first_contact)
        if problem:
            return problem
    return None
