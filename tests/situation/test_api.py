"""The situation report's figures in the API: in the OpenAPI document, suppressed cells null, bad input 422."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kommunalschutz.config.api import api as ninja_api
from kommunalschutz.situation import services
from tests.conftest import World
from tests.situation.helpers import computed_report


def test_the_endpoints_are_in_the_openapi_document() -> None:
    document = json.loads(json.dumps(ninja_api.get_openapi_schema()))
    assert "get" in document["paths"]["/api/v1/situation-reports"]
    report = document["paths"]["/api/v1/situation-reports/{report_id}"]["get"]
    assert {p["name"] for p in report["parameters"]} == {"report_id", "edition"}
    assert "ReportOut" in json.dumps(report["responses"]["200"])


def test_the_public_edition_in_the_api_has_null_for_suppressed_cells(small_counts: World, client: Any) -> None:
    report = computed_report(small_counts.coordinator, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    services.release_report(actor=small_counts.coordinator, report=report)
    body = client.get(f"/api/v1/situation-reports/{report.pk}").json()
    assert body["edition"] == "public" and body["as_of"] == "2024-12-31" and body["min_cell"] == 5
    assert [s["key"] for s in body["sections"]] == ["alliance", "protection", "officials_survey", "citizens_surveys"]
    protection = next(s for s in body["sections"] if s["key"] == "protection")
    channel = next(t for t in protection["tables"] if t["key"] == "channel")
    email = [k for k, _label in channel["columns"]].index("email")
    assert channel["rows"][0]["cells"][email] == {"value": None, "display": "<5", "suppressed": True}
    officials = next(s for s in body["sections"] if s["key"] == "officials_survey")
    assert officials["state"] == "empty" and officials["tables"] == []


def test_an_unknown_edition_is_refused_with_422(world: World, client: Any) -> None:
    report = computed_report(world.coordinator, dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    services.release_report(actor=world.coordinator, report=report)
    assert client.get(f"/api/v1/situation-reports/{report.pk}?edition=geheim").status_code == 422
    assert client.get("/api/v1/situation-reports/999999").status_code == 404
