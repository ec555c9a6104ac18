"""Password reset by e-mail link; the form never reveals whether an address has an account."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World

RESET_URL = reverse("accounts:password_reset")
NEW_PASSWORD = "Ein-langes-neues-Passwort-2026"


def _request_reset(client: Client, email: str) -> Any:
    return client.post(RESET_URL, {"email": email}, follow=True)


def _without_csrf(content: bytes) -> str:
    # The masked CSRF token differs on every response; everything else must not.
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", content.decode())


def _link_path(message: Any) -> str:
    found = re.search(r"http://testserver(/konto/passwort-neu/[^/\s]+/[^/\s]+/)", message.body)
    assert found is not None, message.body
    return found.group(1)


@pytest.mark.django_db
def test_reset_page_is_german_and_accessible(client: Client) -> None:
    html = client.get(RESET_URL).content.decode()
    assert "Passwort zurücksetzen" in html
    assert '<label for="id_email">E-Mail-Adresse' in html
    assert 'autocomplete="email"' in html


def test_known_address_gets_a_german_mail_with_a_working_link(world: World, client: Client) -> None:
    _request_reset(client, "Analyst@Example.org")
    [message] = mail.outbox
    assert message.to == ["analyst@example.org"]
    assert message.subject == "Passwort für Kommunalschutz zurücksetzen"
    assert "Guten Tag Test Analyst," in message.body
    assert "analyst" in message.body
    form = client.get(_link_path(message), follow=True)
    html = form.content.decode()
    assert "Neues Passwort festlegen" in html
    assert html.count('autocomplete="new-password"') == 2
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    world.analyst.refresh_from_db()
    assert world.analyst.check_password(NEW_PASSWORD)


def test_known_and_unknown_addresses_get_the_same_answer(world: World, client: Client) -> None:
    known = _request_reset(client, "analyst@example.org")
    unknown = _request_reset(client, "nobody@example.org")
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    assert _without_csrf(known.content) == _without_csrf(unknown.content)
    assert "Falls ein Konto mit dieser E-Mail-Adresse existiert" in known.content.decode()
    assert len(mail.outbox) == 1


def test_inactive_accounts_get_no_mail(world: World, client: Client) -> None:
    world.analyst.is_active = False
    world.analyst.save()
    _request_reset(client, "analyst@example.org")
    assert mail.outbox == []


def test_accounts_without_a_password_yet_can_ask_for_a_new_link(world: World, client: Client) -> None:
    world.analyst.set_unusable_password()
    world.analyst.save()
    _request_reset(client, "analyst@example.org")
    assert len(mail.outbox) == 1


def test_new_password_is_audited_but_not_its_value(world: World, client: Client) -> None:
    _request_reset(client, "analyst@example.org")
    form = client.get(_link_path(mail.outbox[0]), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="accounts.user")
    assert event.changes == {"password": {"old": "[secret]", "new": "[secret]"}}
    assert event.actor == world.analyst
    assert NEW_PASSWORD not in str(list(AuditEvent.objects.values()))


def test_the_link_works_only_once(world: World, client: Client) -> None:
    _request_reset(client, "analyst@example.org")
    path = _link_path(mail.outbox[0])
    form = client.get(path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(path, follow=True).content.decode()
    assert "ungültig oder abgelaufen" in again


def test_weak_and_mismatched_passwords_are_refused_on_the_field(world: World, client: Client) -> None:
    _request_reset(client, "analyst@example.org")
    form_url = client.get(_link_path(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    short = client.post(form_url, {"new_password1": "kurz", "new_password2": "kurz"}).content.decode()
    assert 'id="id_new_password2_error"' in short
    assert "mindestens 12 Zeichen" in short
    mismatch = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert 'id="id_new_password2_error"' in mismatch.content.decode()
    world.analyst.refresh_from_db()
    assert not world.analyst.check_password(NEW_PASSWORD)


def test_a_forged_link_is_refused(world: World, client: Client) -> None:
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-123"})
    assert "ungültig oder abgelaufen" in client.get(url).content.decode()


def test_a_reset_does_not_skip_the_second_factor(world: World, client: Client, device_for: Any) -> None:
    device_for(world.coordinator)
    _request_reset(client, "coordinator@example.org")
    form = client.get(_link_path(mail.outbox[0]), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.post(reverse("accounts:login"), {"username": "coordinator", "password": NEW_PASSWORD})
    assert response["Location"].startswith(reverse("accounts:otp_verify"))


def test_reset_mails_are_limited_per_address_without_the_page_telling(world: World, client: Client,
                                                                      settings: Settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    email = world.pirna_coordinator.email
    pages = [_without_csrf(_request_reset(client, email).content) for _ in range(5)]
    assert len(mail.outbox) == 3  # the mailbox cannot be flooded
    assert len(set(pages)) == 1  # and the refused requests look exactly like the others


def test_reset_mails_are_limited_per_client(world: World, settings: Settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    client = Client(REMOTE_ADDR="203.0.113.7")
    for persona in ("pirna_coordinator", "plauen_coordinator", "analyst"):
        _request_reset(client, getattr(world, persona).email)
    assert len(mail.outbox) == 2
    _request_reset(Client(REMOTE_ADDR="203.0.113.8"), world.analyst.email)
    assert len(mail.outbox) == 3  # another client is not affected


def test_a_client_that_asked_too_often_does_not_stop_the_owner(world: World, settings: Settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(4):
        _request_reset(attacker, world.analyst.email)
    assert len(mail.outbox) == 2
    _request_reset(Client(REMOTE_ADDR="198.51.100.7"), world.analyst.email)
    assert len(mail.outbox) == 3  # the owner's own request is sent


def test_a_flooded_mailbox_still_holds_working_links(world: World, settings: Settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 1
    for octet in range(1, 5):  # four clients, one request each: the mailbox takes two per window
        _request_reset(Client(REMOTE_ADDR=f"203.0.113.{octet}"), world.analyst.email)
    assert len(mail.outbox) == 2
    owner = Client(REMOTE_ADDR="198.51.100.7")
    _request_reset(owner, world.analyst.email)
    assert len(mail.outbox) == 2  # nothing more is sent …
    form = owner.get(_link_path(mail.outbox[0]), follow=True)  # … but the first link works
    owner.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    world.analyst.refresh_from_db()
    assert world.analyst.check_password(NEW_PASSWORD)
