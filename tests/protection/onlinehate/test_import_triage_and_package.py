"""Online hate end to end through the services: the three ways to import (pasted list, CSV/JSON export with
the column dialog, screenshots), all or nothing, duplicates, the model's ranking, the decisions with their
audit, the complaint package with the confirmed items only, the corrections as training data, retention,
and no comment's text in plaintext at rest or in a log."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from pypdf import PdfReader

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.evidence import package, store
from kommunalschutz.protection.evidence import services as evidence
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.onlinehate import classifier, selectors, services
from kommunalschutz.protection.onlinehate.models import LegalCategory, ThreadImport, TriagedItem
from tests.protection.evidence.conftest import SAMPLES
from tests.protection.onlinehate.fixtures import (
    COMMENTS,
    MARKER,
    THREAD,
    case,
    csv_export,
    json_export,
    paste_text,
    posted,
    upload,
)

pytestmark = pytest.mark.django_db
__all__ = ["case"]  # the fixture this module uses


def _paste(case: Case, actor: Any, text: str | None = None, **extra: Any) -> tuple[Any, Any]:
    return services.import_paste(case=case, actor=actor, text=paste_text() if text is None else text,
                                 platform="Facebook", url=THREAD, **extra)


# --- importing -------------------------------------------------------------------------------------------


def test_a_pasted_list_becomes_evidence_ranked_by_the_model(world: Any, case: Case) -> None:
    thread_import, outcome = _paste(case, world.pirna_official, by_reporter=True)

    assert thread_import is not None and outcome.ok
    items = list(EvidenceItem.objects.filter(case=case).order_by("pk"))
    assert [(i.account_name, i.content_text) for i in items] == COMMENTS
    assert all(i.kind == "online" and i.platform == "Facebook" and i.url == THREAD and i.by_reporter for i in items)
    assert items[0].posted_at is not None and abs((items[0].posted_at - posted(0)).total_seconds()) < 60
    rows = list(selectors.triage_rows(case, "alle"))
    assert len(rows) == 6 and all(0.0 <= (r.p_offense or -1) <= 1.0 for r in rows)
    assert len({r.record_sha256 for r in rows}) == 6
    # The model ranks the clearly offensive comments above the clearly harmless ones.
    top = {r.item.account_name for r in rows[:3]}
    assert top == {"nutzer_001", "nutzer_002", "nutzer_003"}
    assert thread_import.item_count == 6 and thread_import.model_version == classifier.load_model().version
    # One audit event per item (its text "[secret]"), one entry in the case's history.
    events = AuditEvent.objects.filter(object_type="evidence.evidenceitem", action=AuditEvent.Action.CREATE)
    assert events.count() == 6
    assert MARKER not in json.dumps(list(events.values_list("changes", flat=True)))
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.EVIDENCE).count() == 1


def test_the_same_comments_again_are_recognised_and_skipped(world: Any, case: Case) -> None:
    _paste(case, world.coordinator)
    more = [*COMMENTS[:2], ("nutzer_009", "Neuer Kommentar: Sie Lügnerin!")]

    thread_import, outcome = _paste(case, world.coordinator, text=paste_text(more))

    assert thread_import is not None and thread_import.item_count == 1 and thread_import.duplicate_count == 2
    assert outcome.report.already_in_case == 2
    assert EvidenceItem.objects.filter(case=case).count() == 7


def test_one_bad_line_imports_nothing_and_the_report_names_it(world: Any, case: Case) -> None:
    text = paste_text() + "\nnutzer_007\tvor 2 Stunden\tDu Idiot"

    thread_import, outcome = _paste(case, world.coordinator, text=text)

    assert thread_import is None and not outcome.ok
    assert [line for line, _kind, _message in outcome.report.problems] == [7]
    assert EvidenceItem.objects.filter(case=case).count() == 0
    assert ThreadImport.objects.filter(case=case).count() == 0


EXPORTS = {"thread.csv": lambda: csv_export(), "thread.json": lambda: json_export(),
           "thread-latin1.csv": lambda: csv_export(encoding="cp1252")}


@pytest.mark.parametrize("name", list(EXPORTS))
def test_an_export_goes_through_the_column_dialog(world: Any, case: Case, name: str) -> None:
    content = EXPORTS[name]()
    thread_import = services.upload_export(case=case, actor=world.coordinator, upload=upload(name, content),
                                           platform="Facebook")

    assert thread_import.status == ThreadImport.Status.UPLOADED
    assert {"text", "posted_at", "author", "url"} <= set(thread_import.mapping)
    assert services.preview(thread_import)[0]
    assert EvidenceItem.objects.filter(case=case).count() == 0
    services.import_export(thread_import=thread_import, actor=world.coordinator, mapping=thread_import.mapping)

    thread_import.refresh_from_db()
    assert thread_import.status == ThreadImport.Status.IMPORTED and thread_import.item_count == 6
    texts = sorted(EvidenceItem.objects.filter(case=case).values_list("content_text", flat=True))
    assert texts == sorted(text for _author, text in COMMENTS)
    with pytest.raises(ValidationError, match="bereits importiert"):
        services.import_export(thread_import=thread_import, actor=world.coordinator, mapping=thread_import.mapping)


def test_a_mapping_without_the_text_column_is_refused(world: Any, case: Case) -> None:
    thread_import = services.upload_export(case=case, actor=world.coordinator,
                                           upload=upload("thread.csv", csv_export()), platform="Facebook")
    mapping = {key: value for key, value in thread_import.mapping.items() if key != "text"}

    with pytest.raises(ValidationError) as refused:
        services.import_export(thread_import=thread_import, actor=world.coordinator, mapping=mapping)

    assert "text" in refused.value.message_dict
    assert EvidenceItem.objects.filter(case=case).count() == 0


def test_fifty_thousand_rows_are_refused_as_a_whole(world: Any, case: Case, evidence_root: Any) -> None:
    rows = [(f"nutzer_{i}", f"Kommentar Nummer {i}") for i in range(50_000)]

    with pytest.raises(ValidationError) as refused:
        services.upload_export(case=case, actor=world.coordinator, upload=upload("gross.csv", csv_export(rows)),
                               platform="Facebook", url=THREAD)

    assert "50.000" in refused.value.message_dict["file"][0] and "10.000" in refused.value.message_dict["file"][0]
    assert ThreadImport.objects.count() == 0 and EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []


def test_an_unreadable_file_is_refused_before_it_is_kept(world: Any, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        services.upload_export(case=case, actor=world.coordinator,
                               upload=upload("thread.csv", "Autor;Kommentar\n".encode("utf-16")))

    assert "file" in refused.value.message_dict
    assert ThreadImport.objects.count() == 0


def test_screenshots_are_all_or_nothing(world: Any, case: Case, evidence_root: Any) -> None:
    png = SAMPLES["bildschirmfoto.png"][0]
    good = {"file": upload("a.png", png), "text": "Sie sind eine Schande.", "author": "nutzer_1",
            "posted_at": posted(1), "url": THREAD}
    bad = {"file": upload("b.html", b"<html><script>alert(1)</script></html>"), "text": "Idiot",
           "author": "nutzer_2", "posted_at": posted(2), "url": THREAD}

    with pytest.raises(ValidationError) as refused:
        services.import_screenshots(case=case, actor=world.coordinator, rows=[good, bad], platform="Instagram")
    assert any("2" in message for message in refused.value.messages)
    assert EvidenceItem.objects.filter(case=case).count() == 0
    assert store_files(evidence_root) == []

    good["file"] = upload("a.png", png)
    thread_import = services.import_screenshots(case=case, actor=world.coordinator, rows=[good],
                                                platform="Instagram")
    item = EvidenceItem.objects.get(case=case)
    assert thread_import.item_count == 1 and item.stored_name and item.content_text == "Sie sind eine Schande."
    assert store.read_original(item) == png


def store_files(root: Any) -> list[Any]:
    from tests.files import stored_files

    return stored_files(root)


@pytest.fixture
def evidence_root() -> Any:
    from tests.files import StoredPath

    return StoredPath("evidence")


def test_a_closed_case_takes_no_import(world: Any, case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()

    with pytest.raises(ValidationError, match="abgeschlossen"):
        _paste(case, world.coordinator)


# --- decisions -------------------------------------------------------------------------------------------


def test_a_decision_is_checked_and_audited(world: Any, case: Case) -> None:
    _paste(case, world.coordinator)
    row = selectors.triage_rows(case, "alle")[0]

    with pytest.raises(ValidationError) as refused:
        services.decide(triaged=row, actor=world.dresden_police, task1="OFFENSE", task2="OTHER")
    assert "task2" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.decide(triaged=row, actor=world.dresden_police, task1="MAYBE")
    with pytest.raises(ValidationError):
        services.decide(triaged=row, actor=world.dresden_police, task1="OFFENSE", task2="INSULT",
                        legal_category="murder")

    decided = services.decide(triaged=row, actor=world.dresden_police, task1="OFFENSE", task2="INSULT",
                              legal_category=LegalCategory.INSULT)

    assert (decided.label_task1, decided.label_task2, decided.legal_category) == ("OFFENSE", "INSULT", "insult")
    assert decided.decided_by == world.dresden_police and decided.decided_at is not None
    event = AuditEvent.objects.filter(object_type="onlinehate.triageditem", object_id=str(row.pk)).latest("pk")
    assert event.changes["label_task1"] == {"old": "", "new": "OFFENSE"}
    assert event.changes["legal_category"]["new"] == "insult"
    other = services.decide(triaged=selectors.triage_rows(case, "offen")[0], actor=world.coordinator,
                            task1="OTHER")
    assert other.label_task2 == "OTHER"


def test_taking_over_the_suggestion_copies_the_model_labels(world: Any, case: Case) -> None:
    _paste(case, world.coordinator)
    row = selectors.triage_rows(case, "alle")[0]

    decided = services.confirm_suggestion(triaged=row, actor=world.coordinator)

    assert (decided.label_task1, decided.label_task2) == (row.predicted_task1, row.predicted_task2)
    assert decided.legal_category == ""  # never the model's


def test_recorded_content_can_be_ranked_and_a_ranking_is_kept_for_the_same_model(world: Any, case: Case) -> None:
    import datetime as dt

    from django.utils import timezone

    evidence.add_online_content(case=case, actor=world.coordinator, data={
        "url": THREAD, "platform": "Facebook", "posted_at": timezone.now() - dt.timedelta(hours=3),
        "captured_at": timezone.now(), "content_text": "Du dummer Idiot"})

    assert services.rank_case(case=case, actor=world.coordinator) == 1
    assert services.rank_case(case=case, actor=world.coordinator) == 0
    row = TriagedItem.objects.get(case=case)
    assert row.thread_import is None and row.p_offense is not None


# --- the complaint package ---------------------------------------------------------------------------------


def test_the_package_carries_the_confirmed_comments_only(world: Any, case: Case) -> None:
    evidence.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf", SAMPLES["brief.pdf"][0]))
    _paste(case, world.coordinator)
    rows = list(selectors.triage_rows(case, "alle"))
    services.decide(triaged=rows[0], actor=world.dresden_police, task1="OFFENSE", task2="INSULT",
                    legal_category=LegalCategory.INSULT)
    services.decide(triaged=rows[-1], actor=world.dresden_police, task1="OTHER")

    _name, content = package.build_package(case=case, actor=world.coordinator)

    archive = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(archive.read("manifest.json"))
    order = list(EvidenceItem.objects.filter(case=case).order_by("created_at", "pk").values_list("pk", flat=True))
    assert [entry["number"] for entry in manifest["items"]] == [1, order.index(rows[0].item_id) + 1]
    confirmed = manifest["items"][1]
    assert confirmed["online"]["content"] == rows[0].item.content_text
    triage = confirmed["triage"]
    assert (triage["task1"], triage["task2"], triage["legal_category"]) == ("OFFENSE", "INSULT", "insult")
    assert triage["decided_by"] and triage["decided_at"] and triage["record_sha256"] == rows[0].record_sha256
    assert triage["model"]["p_offense"] == round(rows[0].p_offense or 0, 4)
    assert triage["import"]["source"] == "paste"
    assert len(manifest["notes"]) == 3  # 4 undecided, 1 not offensive, and what the model's figure means
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("zusammenfassung.pdf"))).pages)
    assert "Beleidigung (§ 185 StGB)" in pdf
    assert "nicht in diesem Paket" in pdf


def test_corrections_leave_as_germeval_lines(world: Any, case: Case) -> None:
    _paste(case, world.coordinator)
    rows = list(selectors.triage_rows(case, "alle"))
    services.confirm_suggestion(triaged=rows[0], actor=world.coordinator)
    flipped = "OTHER" if rows[1].predicted_task1 == "OFFENSE" else "OFFENSE"
    services.decide(triaged=rows[1], actor=world.coordinator, task1=flipped,
                    task2="ABUSE" if flipped == "OFFENSE" else "")

    name, content, count = services.corrections_file(case=case, actor=world.coordinator)
    _name, changed, changed_count = services.corrections_file(case=case, actor=world.coordinator, only_changed=True)

    lines = content.decode().splitlines()
    assert count == 2 and changed_count == 1 and name.endswith(".txt")
    assert all(len(line.split("\t")) == 3 for line in lines)
    assert changed.decode().split("\t")[1] == flipped
    assert AuditEvent.objects.filter(summary__startswith="triage decisions exported").count() == 2


# --- privacy and retention -------------------------------------------------------------------------------


def test_no_comment_text_at_rest_or_in_a_log(world: Any, case: Case, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)

    _paste(case, world.coordinator)
    services.decide(triaged=selectors.triage_rows(case, "alle")[0], actor=world.coordinator, task1="OTHER")

    assert MARKER not in caplog.text
    with connection.cursor() as cursor:
        for table in ("evidence_evidenceitem", "onlinehate_triageditem", "onlinehate_threadimport",
                      "core_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert MARKER not in repr(cursor.fetchall()), table


def test_retention_removes_the_uploaded_exports(world: Any, case: Case, django_capture_on_commit_callbacks: Any,
                                                evidence_root: Any) -> None:
    from kommunalschutz.protection.cases import hooks

    services.upload_export(case=case, actor=world.coordinator, upload=upload("thread.csv", csv_export()),
                           platform="Facebook")
    assert len(store_files(evidence_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        hooks.before_case_deletion(case)
        case.delete()

    assert store_files(evidence_root) == []
    assert store.remove_orphan_files() == 0
