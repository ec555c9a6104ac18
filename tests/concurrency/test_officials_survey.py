"""The officials' survey: one answer per sealed envelope, and an open link never takes more answers than
persons were addressed, however many submissions arrive at the same moment."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.surveys.officials import answering, services
from kommunalschutz.surveys.officials.models import FrameEntry, OfficialRole, Response, Wave
from tests.concurrency.conftest import refusals, run_together, successes
from tests.surveys.officials.conftest import People, field_wave, people, registry, wave

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["field_wave", "people", "registry", "wave"]  # the fixtures this module uses


def test_one_answer_per_access_code(field_wave: Wave) -> None:
    entry = field_wave.frame.all()[0]

    outcomes = run_together(lambda i: answering.submit_with_code(code=entry.code, answers={"exp_verbal": 1 + i % 2}))

    assert len(successes(outcomes)) == 1
    assert refusals(outcomes) == [answering.generic_refusal()] * 7
    assert Response.objects.filter(wave=field_wave).count() == 1
    assert FrameEntry.objects.get(pk=entry.pk).used


def test_different_codes_at_once_all_answer(field_wave: Wave) -> None:
    entries = list(field_wave.frame.all()[:8])

    outcomes = run_together(lambda i: answering.submit_with_code(code=entries[i].code, answers={"exp_verbal": 2}))

    assert len(successes(outcomes)) == 8
    assert Response.objects.filter(wave=field_wave).count() == 8
    assert field_wave.frame.filter(used=True).count() == 8


def test_an_open_link_takes_no_more_than_addressed(field_wave: Wave, people: People, registry: list[Any]) -> None:
    _link, token = services.create_open_link(actor=people.coordinator, wave=field_wave, municipality=registry[3],
                                             role=OfficialRole.HONORARY_OFFICIAL, addressed=3)

    outcomes = run_together(lambda _i: answering.submit_with_link(token=token, answers={"exp_verbal": 2}))

    assert len(successes(outcomes)) == 3
    assert len(refusals(outcomes)) == 5
    assert Response.objects.filter(wave=field_wave, role=OfficialRole.HONORARY_OFFICIAL).count() == 3
