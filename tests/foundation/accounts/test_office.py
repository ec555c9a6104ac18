"""The office or mandate of an account (issue 13, item 3): the person sets it on their account page, an
administrator from an organisation's page, nobody else (404); every change audited; bad input refused in German
with nothing written. Its values are the protection cases' roles of the affected person, so a self-report takes
it as its role (tests/protection/intake/test_witnesses_and_consent.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import Office, User
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import AffectedRole
from tests.conftest import World


def _url(user: User) -> str:
    return reverse("accounts:office_edit", args=[user.pk])


def _office_entries(user: User) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="accounts.user", object_id=str(user.pk), summary="office or mandate changed"
        ).order_by("pk")
    )


def test_the_offices_are_the_roles_of_an_affected_person() -> None:
    """The foundation repeats the protection catalogue (it may not import it): values and German labels agree."""
    assert set(Office.values) == set(AffectedRole.values) - {AffectedRole.FAMILY_MEMBER}
    with translation.override("de"):
        for value, label in Office.choices:
            assert str(label) == str(AffectedRole(value).label)


def test_the_person_sets_their_office_on_their_account_page(world: World, login: Any) -> None:
    official = world.pirna_official
    client = login(official)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "Amt oder Mandat" in profile and "keines oder keine Angabe" in profile and _url(official) in profile
    page = client.get(_url(official))
    assert page.status_code == 200 and "Ihr Amt oder Mandat" in page.content.decode()
    response = client.post(_url(official), {"office": "council_member"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    official.refresh_from_db()
    assert official.office == "council_member"
    assert "Gemeinderats- oder Kreistagsmitglied" in client.get(reverse("accounts:profile")).content.decode()
    (entry,) = _office_entries(official)
    assert entry.actor_id == official.pk and entry.changes == {"office": {"old": "", "new": "council_member"}}
    # Back to "none"; saving the same value again writes nothing.
    client.post(_url(official), {"office": ""})
    client.post(_url(official), {"office": ""})
    official.refresh_from_db()
    assert official.office == "" and len(_office_entries(official)) == 2


def test_an_administrator_sets_anyones_office_from_the_organisation_page(world: World, login: Any) -> None:
    client = login(world.administrator)
    organisation_page = reverse("accounts:organisation_detail", args=[world.pirna_org.pk])
    html = client.get(organisation_page).content.decode()
    assert f"{_url(world.pirna_official)}?next=" in html
    response = client.post(_url(world.pirna_official), {"office": "mayor", "next": organisation_page})
    assert response.status_code == 302 and response["Location"] == organisation_page
    world.pirna_official.refresh_from_db()
    assert world.pirna_official.office == "mayor"
    (entry,) = _office_entries(world.pirna_official)
    assert entry.actor_id == world.administrator.pk
    assert "Bürgermeister/in" in client.get(organisation_page).content.decode()


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "dresden_police", "auditor", "outsider"])
def test_nobody_else_sees_or_changes_an_office(world: World, login: Any, persona: str) -> None:
    client = login(getattr(world, persona))
    assert client.get(_url(world.pirna_official)).status_code == 404
    assert client.post(_url(world.pirna_official), {"office": "mayor"}).status_code == 404
    assert client.get(reverse("accounts:office_edit", args=[999_999])).status_code == 404
    world.pirna_official.refresh_from_db()
    assert world.pirna_official.office == "" and _office_entries(world.pirna_official) == []


def test_an_unknown_office_is_refused_in_german_and_nothing_is_written(world: World, login: Any) -> None:
    client = login(world.pirna_official)
    response = client.post(_url(world.pirna_official), {"office": "king"})
    assert response.status_code == 400
    assert "Bitte eine gültige Auswahl treffen" in response.content.decode()
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        services.set_office(actor=world.pirna_official, user=world.pirna_official, office="family_member")
    assert refused.value.message_dict == {"office": ["Bitte wählen Sie ein Amt aus der Liste oder „keines“."]}
    world.pirna_official.refresh_from_db()
    assert world.pirna_official.office == "" and _office_entries(world.pirna_official) == []


def test_pseudonymisation_clears_the_office(world: World) -> None:
    services.set_office(actor=world.administrator, user=world.pirna_official, office="mayor")
    person = services.pseudonymise_user(actor=world.administrator, user=world.pirna_official)
    assert person.office == ""
    entry = AuditEvent.objects.filter(summary="account pseudonymised").get()
    assert "office" in entry.changes and "mayor" not in str(entry.changes)
