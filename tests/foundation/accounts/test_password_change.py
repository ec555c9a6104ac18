"""Signed-in users change their password after confirming the current one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import PASSWORD, World

URL = reverse("accounts:password_change")
NEW = "Ein-ganz-neues-Passwort-2026"


def _post(client: Client, old: str, new1: str, new2: str | None = None) -> Any:
    return client.post(URL, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1})


def test_password_change_requires_login(client: Client, db: None) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_user_changes_password_keeps_this_session_and_it_is_audited(world: World, login: Any) -> None:
    client = login(world.analyst)
    response = _post(client, PASSWORD, NEW)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    world.analyst.refresh_from_db()
    assert world.analyst.check_password(NEW)
    assert client.get(reverse("accounts:profile")).status_code == 200  # still signed in
    event = AuditEvent.objects.get(object_type="accounts.user", summary="password set")
    assert event.actor == world.analyst
    assert event.changes == {"password": {"old": "[secret]", "new": "[secret]"}}
    assert NEW not in str(event.changes)


def test_other_sessions_end_after_a_change(world: World, login: Any) -> None:
    other = Client()
    other.force_login(world.analyst)
    _post(login(world.analyst), PASSWORD, NEW)
    response = other.get(reverse("accounts:profile"))
    assert response.status_code == 302  # the old session no longer authenticates


@pytest.mark.parametrize(("old", "new1", "new2", "field"), [
    ("wrong password", NEW, NEW, "old_password"),
    (PASSWORD, "short", "short", "new_password2"),
    (PASSWORD, NEW, NEW + "x", "new_password2"),
])
def test_wrong_current_or_weak_or_mismatched_new_password_changes_nothing(
    world: World, login: Any, old: str, new1: str, new2: str, field: str
) -> None:
    response = _post(login(world.analyst), old, new1, new2)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    world.analyst.refresh_from_db()
    assert world.analyst.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(summary="password set").exists()


def test_profile_links_to_the_password_change(world: World, login: Any) -> None:
    html = login(world.analyst).get(reverse("accounts:profile")).content.decode()
    assert f'href="{URL}">Passwort ändern</a>' in html
