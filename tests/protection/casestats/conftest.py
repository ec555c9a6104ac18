"""Fixtures of the case statistics tests: statistical records with known categories, API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.accounts.services import create_token
from kommunalschutz.protection.cases.models import IncidentStatistic


def stat(month: dt.date, **values: Any) -> IncidentStatistic:
    """One anonymous statistical record; defaults: a letter to a mayor, not acute, not political."""
    defaults: dict[str, Any] = {"reported_on": month, "occurred_month": month.replace(day=1), "channel": "letter",
                                "affected_role": "mayor", "politically_motivated": "unknown", "intake": "self"}
    defaults.update(values)
    return IncidentStatistic.objects.create(**defaults)


def stats(count: int, month: dt.date, **values: Any) -> list[IncidentStatistic]:
    return [stat(month, **values) for _ in range(count)]


@pytest.fixture
def api(client: Any) -> Any:
    class Api:
        def get(self, user: User | None, path: str, **params: Any) -> Any:
            headers = {}
            if user is not None:
                headers["HTTP_AUTHORIZATION"] = f"Bearer {create_token(actor=user, user=user, name='test')}"
            return client.get("/api/v1" + path, params, **headers)

    return Api()
