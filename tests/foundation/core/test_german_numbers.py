"""German number formats (decision 0023): thousands grouped with ".", decimals after ","."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kommunalschutz.foundation.core.numbers import german_number, german_percent


@pytest.mark.parametrize(("value", "digits", "text"), [
    (23800, 2, "23.800,00"), (1234567.891, 1, "1.234.567,9"), (999, 0, "999"), (0.5, 2, "0,50"),
    (-1234.5, 1, "-1.234,5"), (-0.01, 1, "0,0"), (2024, 0, "2.024"),
])
def test_german_number(value: float, digits: int, text: str) -> None:
    assert german_number(value, digits) == text


def test_german_percent_and_not_a_number() -> None:
    assert german_percent(0.1234) == "12,3\u00a0%"
    assert german_number(math.nan) == "\N{EN DASH}"


def test_the_template_filters_group_amounts_in_german() -> None:
    template = Template('{% load humanize %}{{ amount|floatformat:"2g" }}|{{ count|intcomma }}|{{ year }}')
    with translation.override("de"):
        assert template.render(Context({"amount": Decimal("23800.00"), "count": 45678, "year": 2026})) == (
            "23.800,00|45.678|2026")  # years stay ungrouped: USE_THOUSAND_SEPARATOR is off
