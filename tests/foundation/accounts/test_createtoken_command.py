"""`kommunalschutz createtoken USER [--name N] [--days D]` prints a new token."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from kommunalschutz.foundation.accounts.models import APIToken
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World


def _run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("createtoken", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_prints_a_working_token(world: World, client: Client) -> None:
    token = _run("analyst", "--name", "Import-Job", "--days", "10")
    assert token.startswith("ks_")
    assert "\n" not in token
    stored = APIToken.objects.get()
    assert stored.name == "Import-Job"
    assert stored.expires_at - timezone.now() > dt.timedelta(days=9, hours=23)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()["username"] == "analyst"


def test_is_audited_as_system(world: World) -> None:
    _run("analyst")
    event = AuditEvent.objects.get(object_type="accounts.apitoken")
    assert event.actor is None
    assert event.actor_label == "system"


def test_refuses_unknown_users_and_bad_validity(world: World) -> None:
    with pytest.raises(CommandError, match="keinen Benutzer"):
        _run("nobody")
    with pytest.raises(CommandError):
        _run("analyst", "--days", "0")
    assert not APIToken.objects.exists()
