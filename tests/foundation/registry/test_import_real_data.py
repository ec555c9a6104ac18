"""The shipped reference data imports with the official figures."""

from __future__ import annotations

import datetime as dt

from kommunalschutz.foundation.core.models import AuditEvent, SiteState
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import (
    District,
    Municipality,
    MunicipalityNameChange,
    PoliceDirectorate,
    StateAuthority,
)
from tests.foundation.registry.conftest import JAHNATAL, PIRNA, SOE

REFERENCE_DATE = dt.date(2025, 11, 30)


def test_import_gives_418_municipalities_13_districts_and_the_official_population(saxony: ImportResult) -> None:
    assert Municipality.objects.filter(land="14", valid_until__isnull=True).count() == 418
    assert District.objects.filter(land="14").count() == 13
    assert sum(Municipality.objects.values_list("population", flat=True)) == 4_042_422
    assert (saxony.municipalities, saxony.districts, saxony.population) == (418, 13, 4_042_422)
    assert saxony.warnings == []


def test_pirna_is_in_its_district_with_the_dresden_police_directorate(saxony: ImportResult) -> None:
    pirna = Municipality.objects.select_related("district__police_directorate").get(ags=PIRNA)
    assert pirna.name == "Pirna, Stadt"
    assert pirna.district.ags == SOE
    assert pirna.district.police_directorate is not None
    assert pirna.district.police_directorate.code == "pd-dresden"
    assert pirna.ars == "146285229270"
    assert (pirna.association_name, pirna.association_type) == ("Pirna", "Verwaltungsgemeinschaft")
    assert (pirna.population, pirna.population_male, pirna.population_female) == (40128, 19439, 20689)
    assert str(pirna.area_km2) == "53.06"
    assert pirna.postcode == "01796"
    assert pirna.reference_date == REFERENCE_DATE


def test_municipalities_get_town_hall_contacts_localities_and_boundaries(saxony: ImportResult) -> None:
    pirna = Municipality.objects.get(ags=PIRNA)
    assert pirna.office_title == "Oberbürgermeister"
    assert (pirna.street, pirna.address_postcode, pirna.city) == ("Am Markt 1/2", "01796", "Pirna")
    assert pirna.phone == "03501 5560"
    assert pirna.email == "stadtverwaltung@pirna.de"
    assert "Graupa" in pirna.locality_list
    assert pirna.contact_as_of == dt.date(2024, 8, 8)
    assert pirna.boundary is not None and pirna.boundary["type"] == "Polygon"
    assert Municipality.objects.filter(land="14", boundary__isnull=True).count() == 0


def test_districts_get_seat_sums_boundary_and_the_district_office(saxony: ImportResult) -> None:
    soe = District.objects.get(ags=SOE)
    assert soe.kind == District.Kind.RURAL
    assert soe.seat == "Pirna"
    assert soe.population == 243_996
    assert str(soe.area_km2) == "1654.23"
    assert soe.office_title == "Landrat"
    assert soe.city == "Pirna"
    assert soe.boundary is not None
    chemnitz = District.objects.get(ags="14511")
    assert chemnitz.kind == District.Kind.URBAN
    # A district-free city's administration is its town hall.
    assert chemnitz.street == "Markt 1"


def test_five_police_directorates_cover_the_thirteen_districts(saxony: ImportResult) -> None:
    expected = {
        "pd-chemnitz": {"14511", "14521", "14522"},
        "pd-dresden": {"14612", "14627", "14628"},
        "pd-goerlitz": {"14625", "14626"},
        "pd-leipzig": {"14713", "14729", "14730"},
        "pd-zwickau": {"14523", "14524"},
    }
    actual = {pd.code: {d.ags for d in pd.districts.all()} for pd in PoliceDirectorate.objects.all()}
    assert actual == expected
    assert District.objects.filter(police_directorate__isnull=True).count() == 0


def test_lka_and_coordination_office_are_state_authorities(saxony: ImportResult) -> None:
    kinds = dict(StateAuthority.objects.values_list("code", "kind"))
    assert kinds == {"lka": "lka", "koordinierungsstelle": "coordination_office"}


def test_jahnatal_knows_its_predecessors_from_the_changes_file(saxony: ImportResult) -> None:
    jahnatal = Municipality.objects.get(ags=JAHNATAL)
    formed = jahnatal.history.filter(kind=MunicipalityNameChange.Kind.FORMED).order_by("related_ags")
    assert [(e.related_ags, e.old_name, e.effective, e.related_id) for e in formed] == [
        ("14522450", "Ostrau", dt.date(2023, 1, 1), None),
        ("14522620", "Zschaitz-Ottewig", dt.date(2023, 1, 1), None),
    ]


def test_import_sets_the_reference_date_and_is_audited(saxony: ImportResult) -> None:
    assert SiteState.load().registry_reference_date == REFERENCE_DATE
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert (event.object_type, event.object_id) == ("registry.import", "14")
    assert event.changes["municipalities"] == {"old": 0, "new": 418}
    assert event.changes["population"] == {"old": 0, "new": 4_042_422}
    assert "418 created" in event.summary
    created = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="registry.municipality")
    assert created.count() == 418


def test_creation_events_name_the_fields_but_not_the_geometry(saxony: ImportResult) -> None:
    pirna = Municipality.objects.get(ags=PIRNA)
    event = AuditEvent.objects.get(object_type="registry.municipality", object_id=str(pirna.pk))
    assert event.changes["name"] == {"old": None, "new": "Pirna, Stadt"}
    assert event.changes["boundary"]["new"].startswith("geometry sha256:")
    assert "search_name" not in event.changes
