"""The situation report's section on the officials' survey: the latest wave closed by the report's date, its
shares with intervals, groups under k suppressed in both editions, nothing below the district."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kommunalschutz.situation.sections import EDITIONS, PUBLIC, build_edition
from kommunalschutz.surveys.officials import services, synthetic
from kommunalschutz.surveys.officials.models import Wave
from tests.surveys.officials.conftest import People, field_wave, people, registry, wave

pytestmark = pytest.mark.django_db
__all__ = ["field_wave", "people", "registry", "wave"]  # the fixtures this module uses


def _section(content: dict[str, Any]) -> dict[str, Any]:
    return next(section for section in content["sections"] if section["key"] == "officials_survey")


def test_no_closed_wave_gives_an_honest_empty_section(field_wave: Wave) -> None:
    synthetic.answer_wave(field_wave, seed=4)  # in the field: not in any report yet
    section = _section(build_edition(dt.date(2023, 1, 1), dt.date(2030, 1, 1), PUBLIC, k=5, shared={}))
    assert section["state"] == "empty" and section["tables"] == []


def test_the_latest_closed_wave_is_shown_suppressed_in_both_editions(field_wave: Wave, people: People,
                                                                    registry: list[Any]) -> None:
    synthetic.answer_wave(field_wave, seed=4)
    closed = services.close_wave(actor=people.coordinator, wave=field_wave)
    assert closed.closed_at is not None
    closed_on = closed.closed_at.date()
    before = _section(build_edition(dt.date(2023, 1, 1), closed_on - dt.timedelta(days=1), PUBLIC, k=5, shared={}))
    assert before["state"] == "empty"  # a report for a date before the close does not know the wave
    shared: dict[str, Any] = {}
    for edition in EDITIONS:
        section = _section(build_edition(dt.date(2023, 1, 1), closed_on, edition, k=5, shared=shared))
        assert section["state"] == "ready"
        prevalence = next(t for t in section["tables"] if t["key"] == "officials_prevalence")
        shown = 0
        for row in prevalence["rows"]:
            n_cell = row["cells"][0]
            if n_cell["suppressed"]:
                assert all(c["value"] is None for c in row["cells"]) and n_cell["display"] == "<5"
            else:
                assert n_cell["value"] >= 5
                shown += 1
        assert shown >= 2 and any(row["cells"][0]["suppressed"] for row in prevalence["rows"])
        text = str(section)
        assert not any(f"'{municipality.name}'" in text or f" {municipality.name} " in text
                       for municipality in registry)
        assert any("KoMo" in sentence for sentence in section["sentences"])
