"""The dashboard needs a login, and is 404 for everyone but the coordination office."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS, World

URL = reverse("insights:dashboard")


def test_anonymous_visitors_are_sent_to_the_login(client: Any, world: World) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", [name for name in PERSONAS if name != "coordinator"])
def test_everyone_else_gets_404(login: Any, world: World, persona: str) -> None:
    assert login(getattr(world, persona)).get(URL).status_code == 404


def test_the_coordinator_sees_it(login: Any, world: World) -> None:
    response = login(world.coordinator).get(URL)
    assert response.status_code == 200
    assert b'role="img"' in response.content


def test_only_the_coordinator_has_the_navigation_entry(login: Any, world: World) -> None:
    assert URL.encode() in login(world.coordinator).get(reverse("core:home")).content
    assert URL.encode() not in login(world.pirna_coordinator).get(reverse("core:home")).content
