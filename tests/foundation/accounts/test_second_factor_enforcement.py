"""Roles with confidential access must pass a second factor before any page; others need not."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import PASSWORD, World
from tests.foundation.accounts.otp import totp, wrong_code

SECOND_FACTOR_PERSONAS = ["coordinator", "dresden_police", "lka_officer", "administrator"]
PASSWORD_ONLY_PERSONAS = ["pirna_coordinator", "pirna_official", "coach", "analyst", "auditor", "outsider"]
SETUP_URL = reverse("accounts:otp_setup")
VERIFY_URL = reverse("accounts:otp_verify")


@pytest.mark.parametrize("persona", SECOND_FACTOR_PERSONAS)
def test_role_without_device_is_sent_to_enrolment_from_every_page(world: World, client: Client, persona: str) -> None:
    client.force_login(getattr(world, persona))
    for path in ["/", reverse("accounts:profile"), reverse("accounts:token_list")]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP_URL + "?next=")


@pytest.mark.parametrize("persona", SECOND_FACTOR_PERSONAS)
def test_role_with_device_is_sent_to_the_code_prompt(world: World, client: Client, device_for: Any,
                                                     persona: str) -> None:
    user = getattr(world, persona)
    device_for(user)
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL + "?next=%2Fkonto%2Fprofil%2F"


@pytest.mark.parametrize("persona", PASSWORD_ONLY_PERSONAS)
def test_roles_without_confidential_access_need_no_second_factor(world: World, client: Client,
                                                                 persona: str) -> None:
    client.force_login(getattr(world, persona))
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.parametrize("persona", SECOND_FACTOR_PERSONAS)
def test_verified_session_passes(world: World, login: Any, persona: str) -> None:
    assert login(getattr(world, persona)).get(reverse("accounts:profile")).status_code == 200


def test_password_login_of_a_coordinator_leads_straight_to_enrolment(world: World, client: Client) -> None:
    response = client.post(reverse("accounts:login"), {"username": "coordinator", "password": PASSWORD,
                                                       "next": "/konto/profil/"})
    assert response["Location"] == SETUP_URL + "?next=%2Fkonto%2Fprofil%2F"
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN)
    assert "second factor pending" in event.summary


def test_password_login_with_a_device_leads_to_the_code_prompt(world: World, client: Client, device_for: Any) -> None:
    device_for(world.dresden_police)
    response = client.post(reverse("accounts:login"), {"username": "dresden_police", "password": PASSWORD})
    assert response["Location"] == VERIFY_URL + "?next=%2F"


def test_a_voluntarily_enrolled_analyst_must_verify_too(world: World, client: Client, device_for: Any) -> None:
    device_for(world.analyst)
    client.force_login(world.analyst)
    assert client.get("/")["Location"].startswith(VERIFY_URL)


def test_unconfirmed_device_does_not_count_as_set_up(world: World, client: Client, device_for: Any) -> None:
    device_for(world.coordinator, confirmed=False)
    client.force_login(world.coordinator)
    assert client.get("/")["Location"].startswith(SETUP_URL)


@pytest.mark.parametrize("url_name", ["accounts:logout", "accounts:otp_verify", "accounts:otp_setup"])
def test_pages_needed_to_verify_or_leave_stay_reachable(world: World, client: Client, device_for: Any,
                                                        url_name: str) -> None:
    device_for(world.coordinator)
    client.force_login(world.coordinator)
    response = client.get(reverse(url_name))
    # otp_setup sends a user with a device on to the prompt; it is not a redirect loop.
    assert response.status_code == 200 or response["Location"].startswith(VERIFY_URL)


def test_static_files_and_the_public_api_are_not_redirected(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    assert client.get("/static/css/main.css").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_api_treats_an_unverified_session_as_anonymous(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    assert client.get("/api/v1/me").status_code == 401


def test_api_tokens_work_without_the_second_factor(world: World, client: Client) -> None:
    token = services.create_token(actor=None, user=world.coordinator, name="script", days=5)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["username"] == "coordinator"


def test_htmx_requests_get_a_full_page_redirect(world: World, client: Client) -> None:
    client.force_login(world.administrator)
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(SETUP_URL)


def test_correct_code_verifies_the_session_and_is_audited(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    response = client.post(VERIFY_URL, {"otp_token": totp(device.key), "next": "/konto/profil/"})
    assert response.status_code == 302
    assert response["Location"] == "/konto/profil/"
    assert client.get("/konto/profil/").status_code == 200
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN)
    assert event.actor == world.lka_officer
    assert "second factor verified" in event.summary


def test_code_with_spaces_is_accepted(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    code = totp(device.key)
    assert client.post(VERIFY_URL, {"otp_token": f"{code[:3]} {code[3:]}"}).status_code == 302


def test_wrong_code_is_refused_and_audited(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    response = client.post(VERIFY_URL, {"otp_token": wrong_code(device.key)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieser Code ist nicht korrekt." in html
    assert 'aria-describedby="id_otp_token_helptext id_otp_token_error"' in html
    assert client.get("/")["Location"].startswith(VERIFY_URL)
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor == world.lka_officer


@pytest.mark.parametrize("bad", ["12345", "1234567", "abcdef", ""])
def test_malformed_codes_are_rejected_without_counting_as_attempts(world: World, client: Client, device_for: Any,
                                                                   bad: str) -> None:
    device = device_for(world.lka_officer)
    client.force_login(world.lka_officer)
    response = client.post(VERIFY_URL, {"otp_token": bad})
    assert response.status_code == 200
    assert 'id="id_otp_token_error"' in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_cannot_be_used_twice(world: World, client: Client, device_for: Any) -> None:
    device = device_for(world.lka_officer)
    code = totp(device.key)
    client.force_login(world.lka_officer)
    assert client.post(VERIFY_URL, {"otp_token": code}).status_code == 302
    other = Client()
    other.force_login(world.lka_officer)
    assert other.post(VERIFY_URL, {"otp_token": code}).status_code == 200
