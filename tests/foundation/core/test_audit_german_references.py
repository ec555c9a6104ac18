"""Issue 13: a foreign key on the audit trail reads as the name of the object it points to, not its id.

"Gemeinde: 17 → 23" becomes "Gemeinde: Pirna, Stadt → Plauen, Stadt"; an object since deleted reads
"Nr. 17 (gelöscht)". The names are looked up when the page is shown (stored rows and the hash chain stay as
they are), with one query per model for a whole page, and only where the reader may see them
(docs/decisions/0019-audit-trail-in-german.md, "Referenced objects").
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.core import audit, audit_display, chain
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import District, Municipality
from tests.conftest import World
from tests.factories import CaseFactory, DistrictFactory, MeasureFactory, MunicipalityFactory, UserFactory


def _shown(event: AuditEvent) -> set[str]:
    with translation.override("de"):
        return {str(change) for change in audit_display.show(event).changes}


def _move(world: World, organisation: Organisation, municipality: Municipality) -> AuditEvent:
    """An organisation moved to another municipality, recorded as every service records an update."""
    before = audit.snapshot(organisation, ["municipality_id"])
    organisation.municipality = municipality
    organisation.save()
    event = audit.record_update(actor=world.administrator, obj=organisation, before=before)
    assert event is not None
    return event


@pytest.mark.django_db
def test_a_foreign_key_reads_as_the_name_of_the_object(world: World) -> None:
    event = _move(world, world.pirna_org, world.plauen)
    assert event.changes["municipality_id"] == {"old": world.pirna.pk, "new": world.plauen.pk}  # stored: ids
    assert _shown(event) == {"Gemeinde: Pirna, Stadt → Plauen, Stadt"}


@pytest.mark.django_db
def test_the_name_is_the_objects_name_today_and_the_stored_row_and_chain_stay_as_they_were(world: World) -> None:
    event = _move(world, world.pirna_org, world.plauen)
    chain.seal_pending()
    sealed = AuditEvent.objects.get(pk=event.pk)
    Municipality.objects.filter(pk=world.plauen.pk).update(name="Plauen, Große Kreisstadt")
    assert "Gemeinde: Pirna, Stadt → Plauen, Große Kreisstadt" in _shown(sealed)
    assert AuditEvent.objects.get(pk=event.pk).changes == sealed.changes
    assert chain.verify().intact


@pytest.mark.django_db
def test_a_deleted_object_reads_as_its_number_marked_deleted(world: World) -> None:
    gone = DistrictFactory.create(ags="14999", name="Aufgelöster Kreis", police_directorate=world.dresden_pd)
    gone_pk = gone.pk
    event = audit.record(actor=world.administrator, action=AuditEvent.Action.UPDATE, obj=world.pirna,
                         changes={"district_id": {"old": gone_pk, "new": world.soe.pk}})
    gone.delete()
    assert _shown(event) == {
        f"Kreis: Nr. {gone_pk} (gelöscht) → Sächsische Schweiz-Osterzgebirge"}
    assert not District.objects.filter(pk=gone_pk).exists()


@pytest.mark.django_db
def test_a_value_that_is_no_id_is_shown_as_stored(world: World) -> None:
    """Some services record a name where the field holds a key; it is not taken for an id."""
    event = audit.record(actor=world.administrator, action=AuditEvent.Action.UPDATE, obj=world.pirna_org,
                         changes={"municipality": {"old": "Pirna", "new": None}})
    assert _shown(event) == {f"Gemeinde: Pirna → {audit_display.EMPTY}"}


@pytest.mark.django_db
def test_a_list_of_ids_reads_as_names(world: World) -> None:
    from kommunalschutz.alliance.councils.models import CouncilMember
    from tests.factories import CouncilFactory

    council = CouncilFactory.create(municipality=world.pirna)
    members = [CouncilMember.objects.create(council=council, organisation_name=name)
               for name in ("Polizeirevier Pirna", "Stadtverwaltung Pirna")]
    event = audit.record(actor=world.coordinator, action=AuditEvent.Action.CREATE, object_type="councils.workinggroup",
                         object_id=1, changes={"members": {"old": None, "new": [m.pk for m in members]}})
    assert _shown(event) == {f"Mitglieder: {audit_display.EMPTY} → Polizeirevier Pirna, Stadtverwaltung Pirna"}


# --- need-to-know ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_casework_names_the_case_by_its_reference_and_no_person_and_decrypts_nothing(world: World) -> None:
    from kommunalschutz.protection.cases.models import Case

    official = UserFactory.create(username="buergermeisterin", first_name="Anna", last_name="Schmidt")
    case = CaseFactory.create(municipality=world.pirna, affected_user=official, reported_by=official,
                              owner=world.lka_officer, affected_name="Anna Schmidt, Oberbürgermeisterin a. D.")
    created = audit.record_create(actor=world.lka_officer, obj=case)
    measure = MeasureFactory.create(case=case)
    audit.record(actor=world.lka_officer, action=AuditEvent.Action.UPDATE, obj=measure,
                 changes={"case_id": {"old": None, "new": case.pk}})
    with translation.override("de"):
        case_event = audit_display.show(created)
        measure_changes = _shown(AuditEvent.objects.filter(object_type="measures.measure").get())
    text = case_event.changes_text
    # The places are public reference data; the people in a case stay numbers, as the ids were before.
    assert "Gemeinde: – → Pirna, Stadt" in text  # noqa: RUF001 - the German dash for "no value"
    with translation.override("de"):
        affected = audit_display.field_label(Case, "affected_user_id")
    assert f"{affected}: {audit_display.EMPTY} → Nr. {official.pk}" in text
    assert "Schmidt" not in text and "buergermeisterin" not in text
    assert f"Nr. {world.lka_officer.pk}" in text and "lka_officer" not in text
    # An encrypted field is recorded as changed, its value never (and never decrypted for the page).
    assert "Name der betroffenen Person: [geheim] → [geheim]" in text and "Oberbürgermeisterin" not in text
    assert any(change.endswith(f"→ {case.reference}") for change in measure_changes), measure_changes


@pytest.mark.django_db
def test_confidential_objects_are_named_only_inside_casework(world: World) -> None:
    from kommunalschutz.protection.assessments.models import ThreatAssessment
    from kommunalschutz.protection.cases.models import Case
    from kommunalschutz.surveys.sampling.models import SampleMember

    assert audit_display.may_name("measures.measure", Case)
    assert not audit_display.may_name("registry.municipality", Case)  # outside casework: its number
    assert not audit_display.may_name("assessments.behaviourrating", ThreatAssessment)  # str() names the case
    assert not audit_display.may_name("responses.response", SampleMember)  # a person drawn from the register
    assert not audit_display.may_name("cases.case", type(world.coordinator))
    assert audit_display.may_name("alliance.membershiptransition", type(world.coordinator))
    assert audit_display.may_name("measures.measure", Municipality)


# --- one query per model, page and export ---------------------------------------------------------------

def _many_moves(world: World, count: int) -> None:
    for number in range(count):
        municipality = MunicipalityFactory.create(ags=f"1462{number:04d}", name=f"Gemeinde {number}",
                                                  district=world.soe)
        audit.record(actor=world.administrator, action=AuditEvent.Action.UPDATE, obj=world.pirna_org,
                     changes={"municipality_id": {"old": world.pirna.pk, "new": municipality.pk},
                              "district_id": {"old": world.vogtland.pk, "new": world.soe.pk}})
        audit.record(actor=world.coordinator, action=AuditEvent.Action.UPDATE, object_type="events.invitation",
                     object_id=number, changes={"user_id": {"old": None, "new": world.pirna_official.pk}})


@pytest.mark.django_db
def test_a_page_looks_up_each_model_once(world: World) -> None:
    _many_moves(world, 20)
    events = list(AuditEvent.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as queries, translation.override("de"):
        shown = audit_display.show_all(events)
    # municipality, district, user: one query each, whatever the number of rows.
    assert len(queries) == 3, [query["sql"] for query in queries]
    texts = {str(change) for row in shown for change in row.changes}
    assert "Gemeinde: Pirna, Stadt → Gemeinde 19" in texts
    assert "Kreis: Vogtlandkreis → Sächsische Schweiz-Osterzgebirge" in texts
    assert f"Benutzer: {audit_display.EMPTY} → {world.pirna_official}" in texts


@pytest.mark.django_db
def test_the_audit_page_costs_as_many_queries_for_fifty_rows_as_for_five(
        world: World, login: Any, django_assert_max_num_queries: Any) -> None:
    client = login(world.administrator)
    _many_moves(world, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("core:audit_log")).status_code == 200
    _many_moves(world, 30)
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("core:audit_log")).content.decode()
    assert "Pirna, Stadt → Gemeinde 29" in page


@pytest.mark.django_db
def test_the_csv_export_names_the_objects_too(world: World, login: Any) -> None:
    _move(world, world.pirna_org, world.plauen)
    with translation.override("de"):
        content = b"".join(login(world.administrator).get(reverse("core:audit_export")).streaming_content).decode()
    row = next(row for row in csv.DictReader(io.StringIO(content))
               if row["Objekttyp (gespeichert)"] == "accounts.organisation")
    assert "Gemeinde: Pirna, Stadt → Plauen, Stadt" in row["Änderungen"]
    assert f'"new": {world.plauen.pk}' in row["Änderungen (gespeichert, JSON)"]  # the stored ids, for machines


@pytest.mark.django_db
def test_the_export_looks_up_each_model_once_per_batch(world: World) -> None:
    _many_moves(world, 12)
    events = list(AuditEvent.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as queries, translation.override("de"):
        rows = list(audit_display.export_rows(events, batch=10))
    batches = -(-len(events) // 10)
    assert len(rows) == len(events)
    assert len(queries) <= 3 * batches, [query["sql"] for query in queries]


@pytest.mark.django_db
def test_list_items_read_as_their_german_labels(world: World) -> None:
    """A JSON list has no choices of its own; the apps name its items (a case's incident types, a
    weighting run's calibration variables), and an item nobody named is shown as stored."""
    case = CaseFactory.create(incident_types=["insult"])
    before = audit.snapshot(case, ["incident_types"])
    case.incident_types = ["threat", "insult", "unknown-code"]
    case.save()
    event = audit.record_update(actor=world.administrator, obj=case, before=before)
    assert event is not None
    assert event.changes["incident_types"]["new"] == ["threat", "insult", "unknown-code"]  # stored: codes
    (shown,) = _shown(event)
    assert shown == ("Art des Vorfalls: Beleidigung oder Verleumdung → Bedrohung, Beleidigung oder Verleumdung, "
                     "unknown-code")
    with translation.override("de"):
        variables = audit_display.value_text(apps.get_model("findings", "WeightingRun"), "variables",
                                             ["age_group", "sex", "locality"])
    assert variables == "Altersgruppe, Geschlecht, Ortsteil"
