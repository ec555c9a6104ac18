"""The plausible range of each kind of date (decision 0017), at its edges."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kommunalschutz.foundation.core.forms import DateField, DateTimeField
from kommunalschutz.foundation.core.validators import BIRTH, EVENT, GENERAL, INCIDENT, DateRange, text_problem

TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize(("kind", "inside", "outside"), [
    (GENERAL, [dt.date(1900, 1, 1), dt.date(2036, 6, 15)], [dt.date(1899, 12, 31), dt.date(2036, 6, 16)]),
    (INCIDENT, [dt.date(1990, 1, 1), dt.date(2026, 6, 16)], [dt.date(1989, 12, 31), dt.date(2026, 6, 17)]),
    (EVENT, [dt.date(2016, 6, 15), dt.date(2036, 6, 15)], [dt.date(2016, 6, 14), dt.date(2036, 6, 16)]),
    (BIRTH, [dt.date(1900, 1, 1), TODAY], [dt.date(1, 1, 1), dt.date(2026, 6, 16)]),
])
def test_each_kind_accepts_its_range_and_refuses_outside_it_in_german(kind: DateRange, inside: list[dt.date],
                                                                      outside: list[dt.date]) -> None:
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        for day in inside:
            assert kind.problem(day) is None, day
        for day in outside:
            problem = kind.problem(day)
            assert problem is not None and "nicht plausibel" in problem, day


def test_form_fields_refuse_year_one_and_year_9999() -> None:
    for value in ("0001-01-01", "9999-12-31"):
        with pytest.raises(ValidationError):
            DateField().clean(value)
    with pytest.raises(ValidationError):
        DateTimeField(kind=INCIDENT).clean("0001-01-01T00:00")
    assert DateField().clean("2026-01-15") == dt.date(2026, 1, 15)


@pytest.mark.parametrize(("text", "refused"), [
    ("Zeile 1\nZeile 2\tmit Tab\r\n", False), ("„Größe“ 🙂", False), ("a\x00b", True), ("a\x07b", True),
    ("a\x7fb", True), ("a\x85b", True), ("A" * 200_000, False), ("A" * 200_001, True),
])
def test_text_rules(text: str, refused: bool) -> None:
    assert (text_problem(text) is not None) == refused
