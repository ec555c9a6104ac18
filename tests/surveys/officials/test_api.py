"""The API gives the aggregated, suppressed results of closed waves to everyone, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kommunalschutz.surveys.officials import results, services, synthetic
from kommunalschutz.surveys.officials.models import Wave
from tests.surveys.officials.conftest import People

pytestmark = pytest.mark.django_db


def test_a_wave_in_the_field_is_not_in_the_api(client: Client, field_wave: Wave) -> None:
    synthetic.answer_wave(field_wave, seed=2)
    assert client.get("/api/v1/officials-survey/waves").json() == []
    missing = client.get(f"/api/v1/officials-survey/waves/{field_wave.pk}/results")
    assert missing.status_code == 404 and "nicht gefunden" in missing.json()["detail"].lower()


def test_closed_results_are_public_aggregated_and_suppressed(client: Client, field_wave: Wave,
                                                             people: People) -> None:
    synthetic.answer_wave(field_wave, seed=2)
    services.close_wave(actor=people.coordinator, wave=field_wave)
    listed = client.get("/api/v1/officials-survey/waves").json()
    assert [wave["id"] for wave in listed] == [field_wave.pk]
    body: dict[str, Any] = client.get(f"/api/v1/officials-survey/waves/{field_wave.pk}/results").json()
    computed = results.compute(field_wave)
    assert body["wave"]["respondents"] == computed.respondents and body["min_cell"] == 5
    assert body["overall"]["estimate"] == pytest.approx(computed.overall.estimate)
    assert body["komo"] == {"wave": "Herbst 2023", "same_period": True, "share_percent": 38.0}
    shares = [share for group in body["breakdowns"].values() for share in group]
    assert any(share["suppressed"] for share in shares)
    for share in shares:
        if share["suppressed"]:
            assert share["estimate"] is None and share["n"] is None and share["lower"] is None
        else:
            assert share["n"] >= 5
    text = str(body)
    for name in field_wave.frame.exclude(municipality=None).values_list("municipality__name", flat=True):
        assert f"'{name}'" not in text
    assert body["dark_field"]["start"] == "2023-05-01"


def test_the_endpoints_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/officials-survey/waves" in paths
    assert "/api/v1/officials-survey/waves/{wave_id}/results" in paths
