"""A code entered a second time before the app shows the next one is refused with the reason, not as "wrong"."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.foundation.accounts.otp import totp, wrong_code

VERIFY_URL = reverse("accounts:otp_verify")
REUSED = "Dieser Code wurde gerade schon verwendet. Bitte warten Sie auf den nächsten Code in Ihrer App."
WRONG = "Dieser Code ist nicht korrekt."


def test_reusing_the_accepted_code_says_so(world: World, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    first, second = Client(), Client()  # e.g. a second browser, or the form sent twice
    first.force_login(world.lka_officer)
    second.force_login(world.lka_officer)
    code = totp(device.key)
    assert first.post(VERIFY_URL, {"otp_token": code}).status_code == 302
    response = second.post(VERIFY_URL, {"otp_token": code})
    assert response.status_code == 200
    page = response.content.decode()
    assert REUSED in page
    assert WRONG not in page
    assert second.get("/")["Location"].startswith(VERIFY_URL)  # still not verified


def test_a_wrong_code_is_still_called_wrong(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    page = client.post(VERIFY_URL, {"otp_token": wrong_code(device.key)}).content.decode()
    assert WRONG in page
    assert REUSED not in page


def test_a_code_never_accepted_is_not_called_reused(world: World, client: Client, device_for: Any) -> None:
    """Before any login (last_t = -1) even a code of an earlier time step is just wrong."""
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    import time

    old = totp(device.key, at=time.time() - 600)
    page = client.post(VERIFY_URL, {"otp_token": old}).content.decode()
    assert REUSED not in page
