"""Administrators create organisations, add people with roles, remove roles and reset second factors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import Membership, Organisation, Role, User
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World
from tests.factories import MunicipalityFactory, UserFactory

CREATE_URL = reverse("accounts:organisation_create")
NEW_PASSWORD = "Ein-langes-neues-Passwort-2026"


def _verified_client(user: User) -> Client:
    """A second browser, logged in with the second factor (the login fixture has only one client)."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="second browser", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _add_url(organisation: Organisation) -> str:
    return reverse("accounts:membership_add", args=[organisation.pk])


# --- creating organisations -------------------------------------------------------------------


def test_administrator_creates_a_municipality_organisation_linked_to_the_registry(world: World,
                                                                                 login: Any) -> None:
    freital = MunicipalityFactory.create(ags="14628110", name="Freital, Stadt", district=world.soe)
    response = login(world.administrator).post(CREATE_URL, {
        "name": "Stadt Freital", "kind": "municipality", "municipality": freital.pk, "email": "info@freital.de",
    })
    organisation = Organisation.objects.get(name="Stadt Freital")
    assert response["Location"] == reverse("accounts:organisation_detail", args=[organisation.pk])
    assert organisation.municipality == freital
    assert organisation.registry_object == freital
    event = AuditEvent.objects.get(object_type="accounts.organisation", object_id=str(organisation.pk))
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor == world.administrator


def test_create_form_offers_the_registry_entries(world: World, login: Any) -> None:
    html = login(world.administrator).get(CREATE_URL).content.decode()
    assert "Pirna, Stadt (14628270)" in html
    assert "Vogtlandkreis" in html
    assert "Polizeidirektion Dresden" in html
    assert "Landeskriminalamt Sachsen" in html


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "auditor", "outsider"])
def test_only_administrators_create_organisations(world: World, login: Any, persona: str) -> None:
    client = login(getattr(world, persona))
    assert client.get(CREATE_URL).status_code == 404
    assert client.post(CREATE_URL, {"name": "X", "kind": "coaching_institute"}).status_code == 404
    assert not Organisation.objects.filter(name="X").exists()


def test_unknown_kind_is_refused_by_form_and_service(world: World, login: Any) -> None:
    response = login(world.administrator).post(CREATE_URL, {"name": "X", "kind": "secret_service"})
    assert response.status_code == 400
    assert 'id="id_kind_error"' in response.content.decode()
    with pytest.raises(ValidationError) as info:
        services.create_organisation(actor=world.administrator, kind="secret_service", name="X")
    assert "kind" in info.value.error_dict
    assert not Organisation.objects.filter(name="X").exists()


@pytest.mark.parametrize(("kind", "links", "field"), [
    ("municipality", {}, "municipality"),
    ("district", {}, "district"),
    ("police_directorate", {}, "police_directorate"),
    ("lka", {}, "authority"),
    ("district", {"municipality": "pirna"}, "municipality"),
    ("coaching_institute", {"police_directorate": "dresden_pd"}, "police_directorate"),
])
def test_registry_link_must_fit_the_kind(world: World, kind: str, links: dict[str, str], field: str) -> None:
    resolved = {name: getattr(world, attr) for name, attr in links.items()}
    with pytest.raises(ValidationError) as info:
        services.create_organisation(actor=world.administrator, kind=kind, name="Neu", **resolved)
    assert field in info.value.error_dict


def test_lka_must_point_to_the_lka_not_another_authority(world: World) -> None:
    from tests.factories import StateAuthorityFactory

    office = StateAuthorityFactory.create(code="koordinierungsstelle", kind="coordination_office", name="Koordinierung")
    with pytest.raises(ValidationError) as info:
        services.create_organisation(actor=None, kind="lka", name="Neu", authority=office)
    assert "authority" in info.value.error_dict
    created = services.create_organisation(actor=None, kind="coordination_office", name="Neu", authority=office)
    assert created.registry_object == office


def test_organisation_names_are_unique_ignoring_case(world: World, login: Any) -> None:
    response = login(world.administrator).post(CREATE_URL, {"name": "stadt pirna", "kind": "coaching_institute"})
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()


# --- adding people -----------------------------------------------------------------------------


def test_adding_a_new_person_creates_an_account_and_sends_a_password_link(
    world: World, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_add_url(world.pirna_org), {
            "email": "Erika.Muster@pirna.de", "role": "official", "username": "erika.muster",
            "first_name": "Erika", "last_name": "Muster",
        })
    assert response["Location"] == reverse("accounts:organisation_detail", args=[world.pirna_org.pk])
    erika = User.objects.get(username="erika.muster")
    assert erika.email == "Erika.Muster@pirna.de"
    assert not erika.has_usable_password()
    assert Membership.objects.filter(user=erika, organisation=world.pirna_org, role=Role.OFFICIAL).exists()
    [message] = mail.outbox
    assert message.to == ["Erika.Muster@pirna.de"]
    assert message.subject == "Ihr Zugang zu Kommunalschutz"
    assert "erika.muster" in message.body
    # The link sets the first password; afterwards she can log in.
    link = re.search(r"http://testserver(/konto/passwort-neu/\S+/)", str(message.body))
    assert link is not None
    anonymous = Client()
    form_url = anonymous.get(link.group(1))["Location"]
    anonymous.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert anonymous.post(reverse("accounts:login"), {"username": "erika.muster", "password": NEW_PASSWORD}
                          ).status_code == 302


def test_adding_people_is_audited(world: World, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        login(world.administrator).post(_add_url(world.pirna_org), {
            "email": "neu@pirna.de", "role": "official", "username": "neu"})
    erika = User.objects.get(username="neu")
    events = AuditEvent.objects.filter(actor=world.administrator, action="create").order_by("id")
    assert [(e.object_type, e.object_id) for e in events] == [
        ("accounts.user", str(erika.pk)),
        ("accounts.membership", str(Membership.objects.get(user=erika).pk)),
    ]
    assert events[0].changes["password"] == {"old": "[secret]", "new": "[secret]"}


def test_existing_account_is_found_by_email_in_any_letter_case(world: World, login: Any,
                                                               django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        login(world.administrator).post(_add_url(world.plauen_org), {
            "email": "ANALYST@example.org", "role": "analyst"})
    assert User.objects.filter(email__iexact="analyst@example.org").count() == 1
    assert Membership.objects.filter(user=world.analyst, organisation=world.plauen_org, role="analyst").exists()
    assert mail.outbox == []  # an existing account keeps its password


def test_new_account_needs_a_free_username(world: World, login: Any) -> None:
    client = login(world.administrator)
    missing = client.post(_add_url(world.pirna_org), {"email": "x@pirna.de", "role": "official"})
    assert missing.status_code == 400
    assert 'id="id_username_error"' in missing.content.decode()
    taken = client.post(_add_url(world.pirna_org), {"email": "x@pirna.de", "role": "official", "username": "Coach"})
    assert taken.status_code == 400
    assert "Dieser Benutzername ist bereits vergeben." in taken.content.decode()
    assert not User.objects.filter(email="x@pirna.de").exists()


def test_the_same_role_cannot_be_given_twice(world: World, login: Any) -> None:
    response = login(world.administrator).post(_add_url(world.pirna_org), {
        "email": "pirna_official@example.org", "role": "official"})
    assert response.status_code == 400
    assert "hat diese Rolle in dieser Organisation bereits" in response.content.decode()
    assert Membership.objects.filter(user=world.pirna_official).count() == 1


def test_unknown_role_is_refused(world: World, login: Any) -> None:
    response = login(world.administrator).post(_add_url(world.pirna_org), {
        "email": "x@pirna.de", "role": "superuser", "username": "x"})
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        services.add_member(actor=None, organisation=world.pirna_org, role="superuser", email="x@pirna.de",
                            username="x", site_url="http://testserver/")
    assert not User.objects.filter(username="x").exists()


def test_duplicate_email_addresses_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        services.create_user(actor=None, username="zweitkonto", email="COACH@example.org")
    assert "email" in info.value.error_dict
    with pytest.raises(ValidationError) as info:
        services.create_user(actor=None, username="kein-at", email="not-an-address")
    assert "email" in info.value.error_dict


def test_the_database_refuses_emails_and_usernames_differing_only_in_case(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory.create(username="coach2", email="Coach@Example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory.create(username="COACH", email="other@example.org")


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "pirna_official"])
def test_only_administrators_add_people(world: World, login: Any, persona: str) -> None:
    client = login(getattr(world, persona))
    assert client.get(_add_url(world.pirna_org)).status_code == 404
    response = client.post(_add_url(world.pirna_org), {"email": "x@pirna.de", "role": "administrator",
                                                       "username": "x"})
    assert response.status_code == 404
    assert not User.objects.filter(username="x").exists()


# --- removing roles and resetting second factors --------------------------------------------------


def test_administrator_removes_a_role_after_confirming(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.pirna_official)
    url = reverse("accounts:membership_remove", args=[world.pirna_org.pk, membership.pk])
    client = login(world.administrator)
    assert "Rolle entfernen" in client.get(url).content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(url)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(object_type="accounts.membership", action="delete")
    assert event.actor == world.administrator
    assert event.changes["role"] == {"old": "official", "new": None}


def test_membership_must_belong_to_the_organisation_in_the_address(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.plauen_coordinator)
    url = reverse("accounts:membership_remove", args=[world.pirna_org.pk, membership.pk])
    assert login(world.administrator).post(url).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_coordinator_cannot_remove_roles(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.pirna_official)
    url = reverse("accounts:membership_remove", args=[world.pirna_org.pk, membership.pk])
    assert login(world.coordinator).post(url).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_administrator_cannot_be_removed(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.administrator)
    with pytest.raises(ValidationError):
        services.remove_membership(actor=world.administrator, membership=membership)
    url = reverse("accounts:membership_remove", args=[world.coordination_office.pk, membership.pk])
    response = login(world.administrator).post(url, follow=True)
    assert "Die letzte Administration kann nicht entfernt werden." in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_administrator_resets_a_lost_second_factor(world: World, login: Any, device_for: Any) -> None:
    device_for(world.dresden_police)
    url = reverse("accounts:second_factor_reset", args=[world.dresden_police.pk])
    client = login(world.administrator)
    assert client.get(url).status_code == 200
    client.post(url)
    assert not TOTPDevice.objects.filter(user=world.dresden_police).exists()
    event = AuditEvent.objects.get(object_type="otp_totp.totpdevice", action="delete")
    assert event.actor == world.administrator
    assert event.changes["key"] == {"old": "[secret]", "new": "[secret]"}
    # At the next login the police contact enrols again.
    other = Client()
    other.force_login(world.dresden_police)
    assert other.get("/")["Location"].startswith(reverse("accounts:otp_setup"))


@pytest.mark.parametrize("persona", ["coordinator", "dresden_police", "analyst"])
def test_only_administrators_reset_second_factors(world: World, login: Any, device_for: Any, persona: str) -> None:
    device_for(world.lka_officer)
    url = reverse("accounts:second_factor_reset", args=[world.lka_officer.pk])
    assert login(getattr(world, persona)).post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=world.lka_officer).exists()


# --- deactivating accounts ---------------------------------------------------------------------------


def test_deactivating_an_account_ends_its_session_and_tokens(world: World, login: Any) -> None:
    token = services.create_token(actor=None, user=world.pirna_official, name="x", days=5)
    official = login(world.pirna_official)
    assert official.get(reverse("accounts:profile")).status_code == 200
    url = reverse("accounts:account_status", args=[world.pirna_official.pk])
    admin = _verified_client(world.administrator)
    assert "Konto deaktivieren" in admin.get(url).content.decode()
    admin.post(url, {"active": "0"})
    world.pirna_official.refresh_from_db()
    assert not world.pirna_official.is_active
    assert official.get(reverse("accounts:profile"))["Location"].startswith(reverse("accounts:login"))
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    event = AuditEvent.objects.get(object_type="accounts.user", action="update",
                                   object_id=str(world.pirna_official.pk))
    assert event.changes == {"is_active": {"old": True, "new": False}}
    assert event.actor == world.administrator
    admin.post(url, {"active": "1"})
    world.pirna_official.refresh_from_db()
    assert world.pirna_official.is_active


def test_administrators_cannot_deactivate_themselves(world: World, login: Any) -> None:
    url = reverse("accounts:account_status", args=[world.administrator.pk])
    response = login(world.administrator).post(url, {"active": "0"}, follow=True)
    assert "Sie können Ihr eigenes Konto nicht deaktivieren." in response.content.decode()
    world.administrator.refresh_from_db()
    assert world.administrator.is_active


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "outsider"])
def test_only_administrators_deactivate_accounts(world: World, login: Any, persona: str) -> None:
    url = reverse("accounts:account_status", args=[world.analyst.pk])
    assert login(getattr(world, persona)).post(url, {"active": "0"}).status_code == 404
    world.analyst.refresh_from_db()
    assert world.analyst.is_active
