"""GET /api/v1/councils/public: no login, only councils with consent, only the contact fields."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kommunalschutz.alliance.councils import services
from kommunalschutz.alliance.councils.models import PreventionCouncil
from tests.conftest import World

URL = "/api/v1/councils/public"
PUBLIC_FIELDS = {"id", "council_name", "target", "established_on", "establishment", "contact_name",
                 "contact_function", "contact_email", "contact_phone", "contact_address", "is_synthetic"}


def test_public_contacts_need_no_login_and_show_only_consenting_councils(
    client: Any, pirna_council: PreventionCouncil, plauen_council: PreventionCouncil
) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    rows = response.json()
    assert [row["council_name"] for row in rows] == ["Kriminalpräventiver Rat Pirna"]
    assert set(rows[0]) == PUBLIC_FIELDS
    assert rows[0]["contact_email"] == "praevention@pirna.de"
    assert rows[0]["target"] == {"kind": "municipality", "ags": "14628270", "name": "Pirna, Stadt"}


def test_public_contacts_never_leak_non_public_details(
    client: Any, world: World, pirna_council: PreventionCouncil, plauen_council: PreventionCouncil
) -> None:
    services.add_member(actor=world.coordinator, council=pirna_council, organisation_name="Verein",
                        person_name="Geheime Person")
    text = json.dumps(client.get(URL).json())
    # Plauen's contact has no consent; the chair and members are never public.
    for secret in ("Bernd Geheim", "geheim@plauen.de", "03741 0000", "Unterer Graben", "Tim Lochner",
                   "Geheime Person"):
        assert secret not in text


def test_withdrawn_consent_and_dissolution_remove_the_contact(
    client: Any, world: World, pirna_council: PreventionCouncil
) -> None:
    services.update_council(actor=world.pirna_coordinator, council=pirna_council, contact_is_public=False)
    assert client.get(URL).json() == []
    services.update_council(actor=world.pirna_coordinator, council=pirna_council, contact_is_public=True)
    assert len(client.get(URL).json()) == 1
    services.dissolve_council(actor=world.coordinator, council=pirna_council, dissolved_on=dt.date(2023, 1, 1))
    assert client.get(URL).json() == []


def test_public_consent_needs_a_reachable_contact(world: World) -> None:
    from django.core.exceptions import ValidationError

    try:
        services.create_council(actor=world.coordinator, municipality=world.plauen, name="Rat",
                                established_on=dt.date(2021, 1, 1), contact_is_public=True)
    except ValidationError as exc:
        assert "contact_is_public" in exc.message_dict
    else:
        raise AssertionError("a public contact without name and e-mail or phone was accepted")
    assert not PreventionCouncil.objects.exists()
