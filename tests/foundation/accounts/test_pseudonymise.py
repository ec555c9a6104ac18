"""People leave by pseudonymisation: the account stays for the audit trail, nothing names them, nothing deletes it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import APIToken, Membership, User, UserDeletionRefused
from kommunalschutz.foundation.core import audit, chain
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import PASSWORD, World


@pytest.mark.django_db
def test_pseudonymised_account_keeps_its_row_and_loses_every_identifying_detail(
    world: World, device_for: Any, client: Any
) -> None:
    person = world.pirna_official
    device_for(person)
    services.create_token(actor=person, user=person, name="Laptop")
    earlier = audit.record(actor=person, action=AuditEvent.Action.OTHER, object_type="x", summary="worked")

    services.pseudonymise_user(actor=world.administrator, user=person)

    person.refresh_from_db()
    assert person.username.startswith("former-") and person.email.endswith(".invalid")
    assert (person.first_name, person.last_name, person.is_active) == ("", "", False)
    assert not person.has_usable_password()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not APIToken.objects.filter(user=person).exists()
    assert not Membership.objects.filter(user=person).exists()
    # The trail still points at the account; its new entry says what changed, never the old values.
    earlier.refresh_from_db()
    assert earlier.actor_id == person.pk
    entry = AuditEvent.objects.get(object_type="accounts.user", object_id=str(person.pk),
                                   summary="account pseudonymised")
    assert entry.actor == world.administrator
    assert {"username", "email", "first_name", "last_name", "is_active"} <= set(entry.changed_fields)
    assert "pirna_official" not in str(entry.changes) and "example.org" not in str(entry.changes)
    assert AuditEvent.objects.filter(summary="second factor removed with the account").count() == 1
    assert AuditEvent.objects.filter(summary="API token removed with the account").count() == 1
    assert client.login(username="pirna_official", password=PASSWORD) is False
    chain.seal_pending()
    assert chain.verify().intact


@pytest.mark.django_db
def test_pseudonymising_twice_changes_nothing(world: World) -> None:
    person = services.pseudonymise_user(actor=world.administrator, user=world.coach)
    events = AuditEvent.objects.count()
    again = services.pseudonymise_user(actor=world.administrator, user=person)
    assert again.username == person.username and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_nobody_pseudonymises_their_own_account(world: World) -> None:
    with pytest.raises(ValidationError):
        services.pseudonymise_user(actor=world.administrator, user=world.administrator)
    assert User.objects.get(pk=world.administrator.pk).is_active


@pytest.mark.django_db
def test_the_last_administrator_is_not_pseudonymised(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.pseudonymise_user(actor=None, user=world.administrator)
    assert "letzte Administrator" in str(refused.value)
    administrator = User.objects.get(pk=world.administrator.pk)
    assert administrator.is_active and administrator.username == "administrator"
    assert Membership.objects.filter(user=administrator).exists()


@pytest.mark.django_db
def test_accounts_cannot_be_deleted_by_any_orm_path(world: World) -> None:
    person = world.outsider
    with pytest.raises(UserDeletionRefused), transaction.atomic():
        person.delete()
    with pytest.raises(UserDeletionRefused), transaction.atomic():
        User.objects.filter(pk=person.pk).delete()
    assert User.objects.filter(pk=person.pk).exists()


@pytest.mark.django_db
def test_an_actor_of_the_trail_is_protected_even_without_the_refusal(world: World) -> None:
    from django.db.models.signals import pre_delete

    from kommunalschutz.foundation.accounts.models import refuse_user_deletion

    person = world.outsider
    audit.record(actor=person, action=AuditEvent.Action.LOGIN, obj=person)
    assert pre_delete.disconnect(refuse_user_deletion, sender=User, dispatch_uid="accounts.refuse_user_deletion")
    try:
        with pytest.raises(ProtectedError):
            person.delete()
    finally:
        pre_delete.connect(refuse_user_deletion, sender=User, dispatch_uid="accounts.refuse_user_deletion")
    assert User.objects.filter(pk=person.pk).exists()


@pytest.mark.django_db
def test_pseudonymise_command_asks_for_confirmation_then_acts(world: World) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--yes"):
        call_command("pseudonymise_user", "coach")
    assert User.objects.get(pk=world.coach.pk).is_active
    with pytest.raises(CommandError, match="keinen Benutzer"):
        call_command("pseudonymise_user", "nobody", "--yes")
    with pytest.raises(CommandError, match="letzte Administrator"):
        call_command("pseudonymise_user", "administrator", "--yes")
    call_command("pseudonymise_user", "coach", "--yes")
    coach = User.objects.get(pk=world.coach.pk)
    assert not coach.is_active and coach.username.startswith("former-")
    assert AuditEvent.objects.get(summary="account pseudonymised").actor_label == "system"
