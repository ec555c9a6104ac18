"""`kommunalschutz totp-code USER` prints the current code, and only on development installations."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kommunalschutz.cli import ALIASES
from tests.conftest import World
from tests.foundation.accounts.otp import totp


def _run(username: str) -> str:
    out = io.StringIO()
    call_command("totp_code", username, stdout=out)
    return out.getvalue().strip()


def test_operator_name_maps_to_the_command() -> None:
    assert ALIASES["totp-code"] == "totp_code"


def test_prints_the_current_code_with_debug_on(world: World, settings: Any, device_for: Any) -> None:
    settings.DEBUG = True
    device = device_for(world.coordinator)
    code = _run("coordinator")
    # Tolerate a step boundary between the command and this check.
    assert code in {totp(device.key), totp(device.key, at=time.time() - 30)}


def test_refuses_with_debug_off(world: World, settings: Any, device_for: Any) -> None:
    settings.DEBUG = False
    device_for(world.coordinator)
    with pytest.raises(CommandError, match="nur mit eingeschaltetem DEBUG"):
        _run("coordinator")


def test_refuses_unknown_users_and_users_without_a_device(world: World, settings: Any, device_for: Any) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError, match="keinen Benutzer"):
        _run("nobody")
    with pytest.raises(CommandError, match="keine bestätigte Authentifizierungs-App"):
        _run("analyst")
    device_for(world.analyst, confirmed=False)
    with pytest.raises(CommandError, match="keine bestätigte Authentifizierungs-App"):
        _run("analyst")
