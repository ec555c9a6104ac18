"""Bad input gets a clear German error and writes nothing; never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.situation import services
from kommunalschutz.situation.models import SituationReport
from tests.conftest import World


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2024-03-31", "2024-01-01", "nicht vor seinem Beginn"),
    ("2024-01-01", (timezone.localdate() + dt.timedelta(days=2)).isoformat(), "in der Zukunft"),
    ("1999-12-31", "2024-01-01", "nicht vor dem 01.01.2000"),
    ("31.12.2024", "2024-01-01", "JJJJ-MM-TT"),
    ("", "2024-01-01", "Bitte geben Sie ein Datum ein."),
])
def test_a_bad_period_is_refused_in_german(world: World, login: Any, start: str, end: str, message: str) -> None:
    client = login(world.coordinator)
    before = AuditEvent.objects.count()
    response = client.post("/lagebericht/", {"period_start": start, "period_end": end})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SituationReport.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_service_refuses_a_missing_period(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_report(actor=world.coordinator, period_start=None, period_end=timezone.localdate())
    assert refused.value.message_dict["period_start"] == ["Bitte geben Sie den ersten Tag des Zeitraums ein."]


def test_an_empty_press_text_is_refused_and_the_old_one_kept(world: World, login: Any) -> None:
    report = services.create_report(actor=world.coordinator, period_start=dt.date(2024, 1, 1),
                                    period_end=dt.date(2024, 1, 31), generate=False)
    report = services.update_press_text(actor=world.coordinator, report=report, press_text="Alt.")
    response = login(world.coordinator).post(f"/lagebericht/{report.pk}/pressetext/", {"press_text": "  "})
    assert response.status_code == 400
    assert "Bitte geben Sie den Pressetext ein." in response.content.decode()
    assert SituationReport.objects.get(pk=report.pk).press_text == "Alt."


def test_an_unknown_edition_table_or_format_is_not_found(world: World, client: Any) -> None:
    report = services.create_report(actor=world.coordinator, period_start=dt.date(2024, 1, 1),
                                    period_end=dt.date(2024, 1, 31), generate=False)
    for path in (f"/lagebericht/{report.pk}/geheim/", f"/lagebericht/{report.pk}/oeffentlich/tabelle/x.csv",
                 f"/lagebericht/{report.pk}/oeffentlich/tabelle/channel.exe", "/lagebericht/999999/"):
        assert client.get(path).status_code == 404
