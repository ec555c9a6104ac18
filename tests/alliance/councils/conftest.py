"""Councils made through the services, for the world's personas (Pirna: PD Dresden; Plauen: PD Zwickau)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kommunalschutz.alliance.councils import services
from kommunalschutz.alliance.councils.models import CouncilMeeting, CouncilMember, PreventionCouncil
from kommunalschutz.foundation.accounts.services import create_token
from tests.conftest import World


@pytest.fixture
def pirna_council(world: World) -> PreventionCouncil:
    return services.create_council(
        actor=world.coordinator, municipality=world.pirna, name="Kriminalpräventiver Rat Pirna",
        established_on=dt.date(2020, 10, 26), chair_name="Tim Lochner", chair_function="Oberbürgermeister",
        contact_name="Anna Beispiel", contact_function="Präventionsbeauftragte", contact_email="praevention@pirna.de",
        contact_phone="03501 556-0", contact_address="Am Markt 1, 01796 Pirna", contact_is_public=True,
    )


@pytest.fixture
def plauen_council(world: World) -> PreventionCouncil:
    return services.create_council(
        actor=world.coordinator, municipality=world.plauen, name="Präventionsrat Plauen",
        established_on=dt.date(2019, 5, 1), contact_name="Bernd Geheim", contact_email="geheim@plauen.de",
        contact_phone="03741 0000", contact_address="Unterer Graben 1", contact_is_public=False,
    )


@pytest.fixture
def pirna_member(world: World, pirna_council: PreventionCouncil) -> CouncilMember:
    return services.add_member(actor=world.coordinator, council=pirna_council, organisation=world.dresden_pd_org,
                               person_name="Polizeirat Müller", function="Revierleiter",
                               joined_on=dt.date(2020, 10, 26))


@pytest.fixture
def pirna_meeting(world: World, pirna_council: PreventionCouncil) -> CouncilMeeting:
    return services.schedule_meeting(actor=world.coordinator, council=pirna_council, title="2. Sitzung",
                                     held_on=dt.date(2021, 3, 10), location="Rathaus Pirna",
                                     agenda="Begrüßung\nLagebild\nArbeitsgruppen")


@pytest.fixture
def bearer(world: World) -> Any:
    """Authorization headers with a fresh API token for a persona."""

    def _bearer(user: Any) -> dict[str, str]:
        token = create_token(actor=user, user=user, name="test", days=30)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return _bearer
