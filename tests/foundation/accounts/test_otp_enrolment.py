"""Setting up an authenticator app: QR code and key, confirmation with a first code, audited."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.foundation.accounts import qr
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World
from tests.foundation.accounts.otp import totp, wrong_code

SETUP_URL = reverse("accounts:otp_setup")
QR_URL = reverse("accounts:otp_qr")


def _secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")


def test_enrolment_page_shows_qr_code_and_key(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    response = client.get(SETUP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=world.coordinator)
    assert not device.confirmed
    grouped = " ".join(_secret_of(device)[i : i + 4] for i in range(0, 32, 4))
    assert grouped in html
    assert f'<img src="{QR_URL}"' in html
    assert 'alt="QR-Code zum Einrichten der Authenticator-App"' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html


def test_enrolment_page_fits_the_content_security_policy(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    html = client.get(SETUP_URL).content.decode()
    assert "style=" not in html
    assert "data:" not in html
    assert "<script>" not in html


def test_reloading_the_page_keeps_the_same_key(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    client.get(SETUP_URL)
    client.get(SETUP_URL)
    assert TOTPDevice.objects.filter(user=world.coordinator).count() == 1


def test_qr_code_is_an_uncached_svg_of_the_pending_key(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    client.get(SETUP_URL)
    response = client.get(QR_URL)
    device = TOTPDevice.objects.get(user=world.coordinator)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    assert response.content == qr.svg(device.config_url)
    assert b"<svg" in response.content
    assert b"style=" not in response.content
    assert f"secret={_secret_of(device)}" in device.config_url
    assert "issuer=Kommunalschutz" in device.config_url


def test_qr_code_without_a_pending_enrolment_is_not_found(world: World, client: Client) -> None:
    client.force_login(world.analyst)
    assert client.get(QR_URL).status_code == 404


def test_first_code_confirms_the_device_and_verifies_the_session(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=world.coordinator)
    response = client.post(SETUP_URL, {"otp_token": totp(device.key)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert client.get(QR_URL).status_code == 404  # the secret is not shown again


def test_enrolment_is_audited_without_the_key(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=world.coordinator)
    client.post(SETUP_URL, {"otp_token": totp(device.key)})
    events = AuditEvent.objects.filter(object_type="otp_totp.totpdevice").order_by("id")
    assert [(event.action, event.summary) for event in events] == [
        ("create", "second-factor enrolment started"), ("update", "second factor set up"),
    ]
    assert events[0].changes["key"] == {"old": "[secret]", "new": "[secret]"}
    assert events[1].changes == {"confirmed": {"old": False, "new": True}}
    trail = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert device.key not in trail
    assert _secret_of(device) not in trail


def test_next_page_is_followed_after_enrolment(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=world.coordinator)
    response = client.post(SETUP_URL + "?next=/protokoll/", {"otp_token": totp(device.key), "next": "/protokoll/"})
    assert response["Location"] == "/protokoll/"


def test_wrong_first_code_leaves_the_device_unconfirmed(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=world.coordinator)
    response = client.post(SETUP_URL, {"otp_token": wrong_code(device.key)})
    assert response.status_code == 200
    assert "Dieser Code ist nicht korrekt" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/")["Location"].startswith(SETUP_URL)


def test_password_alone_cannot_replace_an_existing_device(world: World, client: Client, device_for: Any) -> None:
    device_for(world.coordinator)
    client.force_login(world.coordinator)  # password only, not verified
    response = client.get(SETUP_URL)
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    assert TOTPDevice.objects.filter(user=world.coordinator).count() == 1
    assert client.get(QR_URL).status_code == 404


def test_verified_user_can_move_to_a_new_phone(world: World, login: Any) -> None:
    client = login(world.coordinator)  # has a confirmed device "test" and a verified session
    old = TOTPDevice.objects.get(user=world.coordinator)
    html = client.get(SETUP_URL).content.decode()
    assert "neue Authenticator-App" in html
    new = TOTPDevice.objects.get(user=world.coordinator, confirmed=False)
    assert client.post(SETUP_URL, {"otp_token": totp(new.key)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=world.coordinator)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_analyst_may_set_up_a_second_factor_voluntarily(world: World, client: Client) -> None:
    client.force_login(world.analyst)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=world.analyst)
    assert client.post(SETUP_URL, {"otp_token": totp(device.key)}).status_code == 302
    other = Client()
    other.force_login(world.analyst)
    assert other.get("/")["Location"].startswith(reverse("accounts:otp_verify"))


def test_enrolment_needs_a_login(client: Client, db: None) -> None:
    assert client.get(SETUP_URL)["Location"].startswith(reverse("accounts:login"))
    assert client.get(QR_URL)["Location"].startswith(reverse("accounts:login"))
