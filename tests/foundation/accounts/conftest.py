from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.foundation.accounts.models import User


@pytest.fixture
def device_for() -> Any:
    """Give a user a confirmed authenticator (a TOTP device with a random key)."""

    def _device_for(user: User, *, confirmed: bool = True) -> Any:
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)

    return _device_for
