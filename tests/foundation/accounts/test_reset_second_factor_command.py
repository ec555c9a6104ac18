"""`kommunalschutz reset_second_factor USER`: the way back in when the last administrator lost the phone."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World


def test_removes_the_devices_and_records_the_system_as_actor(world: World, device_for: Any) -> None:
    device_for(world.administrator)
    out = io.StringIO()
    call_command("reset_second_factor", "administrator", stdout=out)
    assert "1 zweite(n) Faktor(en) von administrator entfernt" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=world.administrator).exists()
    event = AuditEvent.objects.get(object_type="otp_totp.totpdevice", action="delete")
    assert event.actor_label == "system"


def test_refuses_unknown_users(world: World) -> None:
    with pytest.raises(CommandError, match="keinen Benutzer"):
        call_command("reset_second_factor", "nobody", stdout=io.StringIO())
