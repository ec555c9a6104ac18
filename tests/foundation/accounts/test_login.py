"""Logging in with a name or e-mail address and a password, and logging out; all audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import PASSWORD, World

LOGIN_URL = reverse("accounts:login")


def _post_login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def _all_audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values()), default=str)


@pytest.mark.django_db
def test_login_page_is_german_and_labels_every_field(client: Client) -> None:
    html = client.get(LOGIN_URL).content.decode()
    assert "<h1>Anmelden</h1>" in html
    assert '<label for="id_username">Benutzername oder E-Mail-Adresse' in html
    assert '<label for="id_password">Passwort' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'href="/konto/passwort-vergessen/"' in html


def test_analyst_logs_in_with_username_and_the_login_is_audited(world: World, client: Client) -> None:
    response = _post_login(client, "analyst", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(world.analyst.pk)
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN)
    assert event.actor == world.analyst
    assert event.object_id == str(world.analyst.pk)
    assert "127.0.0.1" in event.summary


def test_login_with_email_address_ignores_letter_case(world: World, client: Client) -> None:
    response = _post_login(client, "  Analyst@Example.ORG ", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.analyst.pk)


def test_login_with_username_ignores_letter_case(world: World, client: Client) -> None:
    assert _post_login(client, "ANALYST", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(world.analyst.pk)


def test_wrong_password_is_refused_and_audited_without_the_password(world: World, client: Client) -> None:
    response = _post_login(client, "analyst", "not-the-password-4711")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Benutzername, E-Mail-Adresse oder Passwort ist nicht korrekt" in html
    # The form-wide error is announced and tied to both fields.
    assert 'id="form-errors" role="alert"' in html
    assert html.count('aria-describedby="form-errors"') == 2
    assert html.count('aria-invalid="true"') == 2
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor is None
    assert event.object_type == "accounts.user"
    assert event.object_id == str(world.analyst.pk)
    assert "not-the-password-4711" not in _all_audit_text()


def test_unknown_name_is_audited_without_what_was_typed(world: World, client: Client) -> None:
    # People type their password into the name field; it must not land in the trail.
    _post_login(client, "Geheim-Passwort-123", "whatever-else")
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.object_id == ""
    assert "no such account" in event.summary
    assert "Geheim-Passwort-123" not in _all_audit_text()


def test_unknown_name_and_wrong_password_look_the_same(world: World, client: Client) -> None:
    unknown = _post_login(client, "nobody", PASSWORD).content.decode()
    wrong = _post_login(client, "analyst", "wrong-password-x").content.decode()
    error = "Benutzername, E-Mail-Adresse oder Passwort ist nicht korrekt"
    assert error in unknown
    assert error in wrong


def test_inactive_account_gets_the_same_refusal(world: World, client: Client) -> None:
    world.analyst.is_active = False
    world.analyst.save()
    response = _post_login(client, "analyst", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "Benutzername, E-Mail-Adresse oder Passwort ist nicht korrekt" in response.content.decode()


def test_missing_fields_are_marked_on_the_field_and_not_audited(world: World, client: Client) -> None:
    html = _post_login(client, "", "").content.decode()
    assert 'aria-describedby="id_username_error"' in html
    assert 'id="id_username_error"' in html
    assert 'aria-describedby="id_password_error"' in html
    assert "Dieses Feld ist zwingend erforderlich." in html
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).exists()


def test_login_continues_to_a_local_next_page(world: World, client: Client) -> None:
    response = _post_login(client, "analyst", PASSWORD, next="/konto/profil/")
    assert response["Location"] == "/konto/profil/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_login_ignores_a_foreign_next_page(world: World, client: Client, target: str) -> None:
    response = _post_login(client, "analyst", PASSWORD, next=target)
    assert response["Location"] == "/"


def test_login_page_does_not_echo_a_foreign_next_page(world: World, client: Client) -> None:
    html = client.get(LOGIN_URL, {"next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in html


def test_login_with_get_parameters_does_not_log_in(world: World, client: Client) -> None:
    client.get(LOGIN_URL, {"username": "analyst", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(world: World, login: Any) -> None:
    client = login(world.analyst)
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 200
    assert "Abmelden" in response.content.decode()
    assert client.session.get("_auth_user_id") == str(world.analyst.pk)


def test_logout_ends_the_session_and_is_audited(world: World, login: Any) -> None:
    client = login(world.coordinator)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT)
    assert event.actor == world.coordinator
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_logout_when_not_logged_in_records_nothing(client: Client, db: None) -> None:
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT).exists()


def test_session_cookie_ends_with_the_browser_and_idles_out(settings: Any) -> None:
    # The idle timeout itself is configured in settings; these flags make it an idle timeout.
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE > 0


def test_login_response_is_never_cached(client: Client, db: None) -> None:
    assert "no-store" in client.get(LOGIN_URL)["Cache-Control"]
