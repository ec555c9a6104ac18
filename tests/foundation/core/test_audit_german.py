"""The audit trail speaks German: a sentence per event kind, German field labels and values, local time.

The stored rows stay as they were written (English summaries, field names, UTC): everything is rendered at
display time, so rows recorded before this rendering existed read in German too, and the hash chain over
them stays intact.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from kommunalschutz.foundation.core import audit, audit_display, chain, storage
from kommunalschutz.foundation.core.audit_summaries import SUMMARIES
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.foundation.core.services import export_audit_operation
from tests.conftest import World
from tests.foundation.core.audit_sources import PH, Written, written_summaries

PACKAGE = Path(__file__).resolve().parents[3] / "kommunalschutz"
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

WRITTEN = written_summaries(PACKAGE)


def _german(text: str, object_type: str = "") -> str | None:
    with translation.override("de"):
        return audit_display.translate_summary(text, audit_display._model(object_type))


# --- every summary the code writes ----------------------------------------------------------------------

def test_the_walk_finds_the_summaries_of_every_wing() -> None:
    places = {written.path.split("/")[1] for written in WRITTEN}
    assert {"foundation", "alliance", "protection", "surveys"} <= places
    assert len(WRITTEN) >= 140
    texts = {written.sample("{}") for written in WRITTEN}
    # An f-string, a conditional, a helper's default, a gettext call and a module function's return value.
    assert "password accepted from {}; second factor pending" in texts
    assert "account reactivated" in texts and "account deactivated" in texts
    assert "registry import" in texts
    assert "Crest uploaded" in texts
    assert "wrong name or password; slowed down {} s; from {}" in texts


@pytest.mark.parametrize("written", WRITTEN, ids=lambda written: f"{written.path}:{written.line}:{written.sample('…')}")
def test_every_summary_the_code_writes_reads_in_german(written: Written) -> None:
    english = written.sample("7")
    german = _german(english)
    assert german is not None, f"no German for {english!r}: add it to core/audit_summaries.py and the catalogue"
    assert german != english


def test_a_summary_without_german_is_found() -> None:
    assert _german("frobnicated the widget") is None
    assert _german("password accepted from 10.0.0.1; frobnicated") is None
    # "%(source)s: %(detail)s" matches only when the detail is a known summary itself.
    assert _german("export.csv: frobnicated") is None


@pytest.mark.parametrize("entry", SUMMARIES, ids=str)
def test_every_registered_summary_has_german_in_the_catalogue(entry: Any) -> None:
    with translation.override(None):
        english = str(entry)
    with translation.override("de"):
        german = str(entry)
    assert german != english or english == "%(source)s: %(detail)s"
    assert sorted(re.findall(r"%\(\w+\)s", german)) == sorted(re.findall(r"%\(\w+\)s", english))


def test_the_walk_expands_what_the_source_spells_out(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "services.py").write_text(
        "from x import audit\n"
        "def _suffix(n):\n    return f'; {n} left' if n else ''\n"
        "def helper(*, summary='helper default'):\n    audit.record(summary=summary)\n"
        "def work(ok, n, address):\n"
        "    what = 'good' if ok else 'bad'\n"
        "    audit.record_update(summary=f'{what} from {address}' + _suffix(n))\n"
        "    helper(summary=_('Translated at write time'))\n"
        "    audit.build(summary='%(count)s rows' % {'count': n})\n", encoding="utf-8")
    texts = {written.sample("{}") for written in written_summaries(package)}
    assert texts == {"%(count)s rows".replace("%(count)s", "{}"), "Translated at write time", "bad from {}",
                     "bad from {}; {} left", "good from {}", "good from {}; {} left", "helper default"}
    assert sum(PH in written.parts for written in written_summaries(package)) == 4


# --- summaries with values --------------------------------------------------------------------------------

def test_values_in_a_summary_are_translated_too() -> None:
    assert _german("password accepted from 127.0.0.1; second factor pending; slowed down 1.50 s") == (
        "Passwort von 127.0.0.1 angenommen; zweiter Faktor steht noch aus; um 1,50 s verzögert")
    assert _german("confirmed by the second reviewer") == "in der Zweitprüfung bestätigt"
    assert _german("measures agreed with the official") == (
        "Maßnahmen mit der betroffenen Amts- oder Mandatsperson abgestimmt")
    # A parameter named like a field of the event's model shows the field's German choice label.
    assert _german("protection request granted", "measures.measure") == "Schutzersuchen: bewilligt"
    assert _german("registration through online for event 4: waitlisted", "events.registration") == (
        "Anmeldung (online) zur Veranstaltung 4: auf der Warteliste")
    assert _german("register extract deleted (by hand)") == "Registerauszug gelöscht (von Hand)"
    assert _german("lifecycle step member on 2025-03-01", "alliance.membershiptransition") == (
        "Schritt „Mitglied“ am 01.03.2025")


def test_an_import_summary_is_translated_with_its_nested_result() -> None:
    text = ("GV100AD_3112.xlsx: state 14 as of 30.11.2025: 418 municipalities, 10 districts, 4086152 inhabitants; "
            "3 created, 2 updated, 1 dissolved, 0 renamed")
    assert _german(text) == ("GV100AD_3112.xlsx: Land 14, Stand 30.11.2025: 418 Gemeinden, 10 Kreise, 4086152 "
                             "Einwohner; 3 neu angelegt, 2 geändert, 1 aufgelöst, 0 umbenannt")


# --- sentence, labels, values, time ---------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("action", "expected"), [
    (AuditEvent.Action.CREATE, "Gemeinde angelegt"), (AuditEvent.Action.UPDATE, "Gemeinde geändert"),
    (AuditEvent.Action.DELETE, "Gemeinde gelöscht"), (AuditEvent.Action.IMPORT, "Gemeinde importiert"),
    (AuditEvent.Action.LOGIN, "Anmeldung"), (AuditEvent.Action.LOGIN_FAILED, "Anmeldung fehlgeschlagen"),
    (AuditEvent.Action.LOGOUT, "Abmeldung"), (AuditEvent.Action.OTHER, "Vorgang: Gemeinde"),
])
def test_every_event_kind_has_a_german_sentence(action: str, expected: str) -> None:
    event = audit.record(actor=None, action=action, object_type="registry.municipality", object_id=1)
    with translation.override("de"):
        shown = audit_display.show(event)
    assert shown.headline == expected
    assert shown.sentence == f"{expected}."


@pytest.mark.django_db
def test_field_names_become_german_labels_and_choices_their_german_labels() -> None:
    event = audit.record(actor=None, action=AuditEvent.Action.UPDATE, object_type="assessments.threatassessment",
                         object_id=1, summary="confirmed by the second reviewer", changes={
                             "state": {"old": "awaiting_review", "new": "in_force"},
                             "reviewed_at": {"old": None, "new": "2026-12-05T03:12:00+00:00"},
                             "case_id": {"old": None, "new": 7},
                         })
    with translation.override("de"):
        shown = audit_display.show(event)
    changes = {str(change) for change in shown.changes}
    assert "Stand der Bewertung: wartet auf die Zweitprüfung → gültig" in changes
    assert any(text.endswith(f"{audit_display.EMPTY} → 05.12.2026, 04:12 MEZ") for text in changes), changes
    # A relation without a label: the related model's name; a case since deleted: its number, marked so.
    assert "Schutzfall: – → Nr. 7 (gelöscht)" in changes  # noqa: RUF001 - the German dash for "no value"
    assert not any("_" in change.label for change in shown.changes)
    assert shown.sentence == "Gefährdungsbewertung geändert: in der Zweitprüfung bestätigt."


@pytest.mark.django_db
def test_secrets_stay_masked(world: World) -> None:
    before = audit.snapshot(world.coordinator, ["password"])
    world.coordinator.set_password("geheim-7f3a-neu")
    world.coordinator.save()
    event = audit.record_update(actor=world.coordinator, obj=world.coordinator, before=before)
    assert event is not None
    with translation.override("de"):
        shown = audit_display.show(event)
    assert [str(change) for change in shown.changes] == ["Passwort: [geheim] → [geheim]"]


@pytest.mark.parametrize(("moment", "expected"), [
    (dt.datetime(2026, 12, 5, 3, 12, tzinfo=dt.UTC), "05.12.2026, 04:12 MEZ"),
    (dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC), "02.07.2026, 00:30 MESZ"),
])
def test_local_time_names_its_zone(moment: dt.datetime, expected: str) -> None:
    assert audit_display.local_time(moment) == expected


# --- the pages, an old row, the export --------------------------------------------------------------------

def _old_row(world: World) -> AuditEvent:
    """A row as the platform wrote it before the German rendering existed, sealed into the chain."""
    event = audit.record(actor=world.coordinator, action=AuditEvent.Action.LOGIN, obj=world.coordinator,
                         summary="password accepted from 127.0.0.1; second factor pending")
    audit.record(actor=world.coordinator, action=AuditEvent.Action.UPDATE, object_type="registry.municipality",
                 object_id=world.pirna.pk, changes={"name": {"old": "Pirna alt", "new": "Pirna"}})
    chain.seal_pending()
    return event


@pytest.mark.django_db
def test_the_audit_page_is_german_with_local_time_and_an_old_row_reads_in_german(world: World, login: Any) -> None:
    event = _old_row(world)
    page = login(world.administrator).get(reverse("core:audit_log")).content.decode()
    assert "Passwort von 127.0.0.1 angenommen; zweiter Faktor steht noch aus" in page
    assert "password accepted" not in page
    assert audit_display.local_time(event.occurred_at, seconds=True) in page
    assert re.search(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d:\d\d ME(S)?Z", page)
    assert not ISO_STAMP.search(page)
    # The filter lists object types by their German names; no technical placeholder.
    assert 'placeholder="registry.municipality"' not in page
    assert '<option value="registry.municipality">Gemeinde</option>' in page
    assert "<strong>Name</strong>: Pirna alt → Pirna" in page
    # The row itself is unchanged and the chain over it is intact.
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.summary == "password accepted from 127.0.0.1; second factor pending"
    assert chain.verify().intact


@pytest.mark.django_db
def test_an_objects_history_is_german(world: World, login: Any) -> None:
    _old_row(world)
    page = login(world.administrator).get(
        reverse("core:object_history", args=["registry.municipality", world.pirna.pk])).content.decode()
    assert "Gemeinde geändert" in page and f"Gemeinde Nr. {world.pirna.pk}" in page
    text = re.sub(r"<[^>]+>", " ", page)  # what a person reads (the links keep the technical type)
    assert "registry.municipality" not in text and not ISO_STAMP.search(text)


@pytest.mark.django_db
def test_the_csv_exports_are_german(world: World, login: Any, tmp_path: Path, settings: Any) -> None:
    _old_row(world)
    streamed = b"".join(login(world.administrator).get(reverse("core:audit_export")).streaming_content).decode()
    with translation.override("en"):  # the worker's own language does not matter
        result = export_audit_operation(progress=Progress(), actor_id=world.administrator.pk)
    background = storage.read_file(result["file"]).decode("utf-8")
    for content in (streamed, background):
        rows = list(csv.DictReader(io.StringIO(content)))
        assert list(rows[0])[:9] == ["Nr.", "Zeitpunkt", "Person", "Aktion", "Objekttyp", "Objekt-Nr.", "Objekt",
                                     "Ereignis", "Änderungen"]
        login_row = next(row for row in rows if row["Aktion"] == "angemeldet")
        assert login_row["Ereignis"] == ("Anmeldung: Passwort von 127.0.0.1 angenommen; zweiter Faktor steht "
                                         "noch aus.")
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d:\d\d ME(S)?Z", login_row["Zeitpunkt"])
        change = next(row for row in rows if row["Objekttyp (gespeichert)"] == "registry.municipality")
        assert change["Objekttyp"] == "Gemeinde" and change["Änderungen"] == "Name: Pirna alt → Pirna"



# Words that are the same in both languages; any other label that reads the same in English and German has
# no German yet (a field without verbose_name, a model the app left untranslated).
SAME_IN_GERMAN = {"AGS", "ARS", "Coach", "Coaches", "Code", "Codename", "Evaluation", "Fax", "Filter", "Hash",
                  "Index", "Maximum", "Minimum", "Name", "Organisation", "Person", "Phase", "Position", "Problem",
                  "SHA-256", "Status", "Token", "URL", "Version", "Website"}


def test_every_model_and_field_the_trail_can_name_has_a_german_label() -> None:
    from django.apps import apps

    untranslated = set()
    for model in apps.get_models():
        if not model.__module__.startswith("kommunalschutz.") and model._meta.app_label != "otp_totp":
            continue
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        names += [f.name for f in model._meta.many_to_many]
        names += [relation.get_accessor_name() or "" for relation in model._meta.related_objects]
        labels = []
        for language in ("en", "de"):
            with translation.override(language):
                labels.append([audit_display.type_label(model._meta.label_lower)]
                              + [audit_display.field_label(model, name) for name in names])
        untranslated |= {english for english, german in zip(*labels, strict=True) if english == german}
    assert untranslated <= SAME_IN_GERMAN, sorted(untranslated - SAME_IN_GERMAN)


def test_every_operation_has_a_german_name_for_the_audit_trail() -> None:
    """ "queued findings.results" reads "Hintergrundaufgabe eingereiht: Berechnung der Befragungsergebnisse"."""
    from django.utils import translation

    from kommunalschutz.foundation.core import audit_display
    from kommunalschutz.foundation.core.tasks import OPERATIONS, operation_label

    with translation.override("de"):
        for kind in OPERATIONS:
            label = operation_label(kind)
            assert label, f"the operation {kind} has no name (register_operation(..., label=...))"
            with translation.override("en"):
                english = operation_label(kind)
            assert label != english, f"the name of the operation {kind} has no German: {label}"
        shown = audit_display.translate_summary("queued findings.results")
    assert shown == "Hintergrundaufgabe eingereiht: Berechnung der Befragungsergebnisse"
