"""The profile page: own name, e-mail, organisations and roles, second-factor status, tokens."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.accounts import services
from tests.conftest import World
from tests.factories import MembershipFactory

URL = reverse("accounts:profile")


def test_profile_shows_own_data_roles_and_token_link(world: World, login: Any) -> None:
    MembershipFactory.create(user=world.pirna_coordinator, organisation=world.plauen_org, role="official")
    services.create_token(actor=None, user=world.pirna_coordinator, name="x", days=3)
    html = login(world.pirna_coordinator).get(URL).content.decode()
    assert "Test Pirna_Coordinator" in html
    assert "pirna_coordinator@example.org" in html
    assert "Stadt Pirna" in html
    assert "Stadt Plauen" in html
    assert "Kommunale Koordination" in html
    assert "Sie haben 1 aktives Token." in html
    assert reverse("accounts:token_list") in html
    assert "Nicht eingerichtet" in html


def test_profile_shows_that_the_second_factor_is_set_up(world: World, login: Any) -> None:
    html = login(world.coordinator).get(URL).content.decode()
    assert "Eingerichtet" in html
    assert "Für diese Sitzung bestätigt." in html


def test_profile_shows_only_the_own_account(world: World, login: Any) -> None:
    html = login(world.analyst).get(URL).content.decode()
    assert "analyst@example.org" in html
    assert "coordinator@example.org" not in html


def test_profile_needs_a_login(client: Client, db: None) -> None:
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))
