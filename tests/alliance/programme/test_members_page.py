"""The coordination office's "members on date X" page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.programme.conftest import step

MEMBERS = reverse("alliance:members")


def test_the_page_lists_the_members_on_the_chosen_date(world: Any, login: Any) -> None:
    step(world, Stage.MEMBER, dt.date(2020, 1, 10))
    client = login(world.coordinator)
    assert "Pirna, Stadt" in client.get(MEMBERS, {"as_of": "2020-01-10"}).content.decode()
    assert "Pirna, Stadt" not in client.get(MEMBERS, {"as_of": "2020-01-09"}).content.decode()


def test_a_malformed_date_is_shown_as_a_field_error(world: Any, login: Any) -> None:
    response = login(world.coordinator).get(MEMBERS, {"as_of": "31.02.2020"})
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]


@pytest.mark.parametrize("persona", ["pirna_coordinator", "dresden_police", "auditor", "outsider"])
def test_only_the_coordination_office_sees_the_page(world: Any, login: Any, persona: str) -> None:
    assert login(getattr(world, persona)).get(MEMBERS).status_code == 404
