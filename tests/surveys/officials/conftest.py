"""Fixtures of the officials' survey: a small registry, the people who run a wave, a wave in the field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.surveys.officials import services
from kommunalschutz.surveys.officials.models import OfficialRole, Wave
from tests.factories import DistrictFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory

WAVE_DATA = {"title": "Befragung Herbst 2023", "reference_start": dt.date(2023, 5, 1),
             "reference_end": dt.date(2023, 10, 31), "field_start": dt.date(2023, 11, 1),
             "field_end": dt.date(2023, 12, 15), "cadence": Wave.Cadence.HALF_YEARLY}
# Municipalities of the small registry: (name, population); three districts, sizes across the classes.
PLACES = (("Adorf", 800), ("Bedorf", 1_500), ("Cedorf", 3_000), ("Dedorf", 4_200), ("Edorf", 6_000),
          ("Fedorf", 8_000), ("Gedorf", 12_000), ("Hedorf", 15_000), ("Idorf", 25_000), ("Jedorf", 60_000),
          ("Kedorf", 900), ("Ledorf", 1_900), ("Medorf", 2_500), ("Nedorf", 7_000), ("Oedorf", 11_000),
          ("Pedorf", 700), ("Qedorf", 1_200), ("Redorf", 3_500), ("Sedorf", 5_500), ("Tedorf", 30_000))


@dataclass
class People:
    coordinator: Any
    analyst: Any
    other_analyst: Any
    municipal: Any  # municipal coordinator of the first municipality
    official: Any
    contractor: Organisation


@pytest.fixture
def registry(db: None) -> list[Municipality]:
    districts = [DistrictFactory.create(name=f"Landkreis {name}", office_title="Landrat", street="Amtsweg 1",
                                 postcode="01000", city=name) for name in ("Nord", "Mitte", "Süd")]
    return [MunicipalityFactory.create(name=name, population=population, district=districts[index % 3],
                                office_title="Bürgermeister", street="Markt 1", address_postcode="01001", city=name)
            for index, (name, population) in enumerate(PLACES)]


@pytest.fixture
def people(registry: list[Municipality]) -> People:
    contractor = OrganisationFactory.create(name="Institut für Sicherheitsforschung",
                                     kind=Organisation.Kind.ANALYSIS_CONTRACTOR)
    other = OrganisationFactory.create(name="Anderes Institut", kind=Organisation.Kind.ANALYSIS_CONTRACTOR)
    town = OrganisationFactory.create(name=f"Gemeinde {registry[0].name}", kind=Organisation.Kind.MUNICIPALITY,
                               municipality=registry[0])
    return People(
        coordinator=MembershipFactory.create(role="coordinator").user,
        analyst=MembershipFactory.create(role="analyst", organisation=contractor).user,
        other_analyst=MembershipFactory.create(role="analyst", organisation=other).user,
        municipal=MembershipFactory.create(role="municipal_coordinator", organisation=town).user,
        official=MembershipFactory.create(role="official", organisation=town).user,
        contractor=contractor,
    )


@pytest.fixture
def wave(people: People) -> Wave:
    return services.create_wave(actor=people.coordinator, data={**WAVE_DATA, "contractor": people.contractor})


@pytest.fixture
def field_wave(wave: Wave, people: People, registry: list[Municipality]) -> Wave:
    """The registry's heads, a council list of the largest municipality and an open link for its staff, in the field."""
    from kommunalschutz.surveys.officials import frame, synthetic

    services.add_registry_frame(actor=people.coordinator, wave=wave)
    frame.import_list(actor=people.coordinator, wave=wave, municipality=registry[9],
                      data=synthetic.council_list(registry[9].name, 30, seed=1), file_name="rat.csv")
    services.create_open_link(actor=people.coordinator, wave=wave, municipality=registry[9],
                              role=OfficialRole.STAFF, addressed=20)
    services.open_field(actor=people.coordinator, wave=wave)
    wave.refresh_from_db()
    return wave

