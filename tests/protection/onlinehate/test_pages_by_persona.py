"""Online hate in the web pages, per persona: who may import, see the triage, decide and export (404 for everyone
else, on every address), the column dialog, bad input answered in German with nothing written, and a
comment's markup shown as text."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.onlinehate import selectors, services
from kommunalschutz.protection.onlinehate.models import ThreadImport, TriagedItem
from tests.protection.onlinehate.fixtures import COMMENTS, THREAD, case, csv_export, paste_text, upload

pytestmark = pytest.mark.django_db
__all__ = ["case"]


def _addresses(case: Case, thread_import: ThreadImport, row: TriagedItem) -> dict[str, tuple[str, str]]:
    return {
        "import": ("get", reverse("onlinehate:import", args=[case.pk])),
        "mapping": ("get", reverse("onlinehate:mapping", args=[case.pk, thread_import.pk])),
        "discard": ("post", reverse("onlinehate:discard", args=[case.pk, thread_import.pk])),
        "triage": ("get", reverse("onlinehate:triage", args=[case.pk])),
        "decide": ("post", reverse("onlinehate:decide", args=[case.pk, row.pk])),
        "rank": ("post", reverse("onlinehate:rank", args=[case.pk])),
        "corrections": ("get", reverse("onlinehate:corrections", args=[case.pk])),
    }


@pytest.fixture
def filled(world: Any, case: Case) -> tuple[ThreadImport, TriagedItem]:
    services.import_paste(case=case, actor=world.coordinator, text=paste_text(), platform="Facebook", url=THREAD)
    pending = services.upload_export(case=case, actor=world.coordinator, upload=upload("t.csv", csv_export()),
                                     platform="Facebook")
    return pending, selectors.triage_rows(case, "alle")[0]


# persona -> the addresses that open (everything else is 404)
ALLOWED = {
    "coordinator": {"import", "mapping", "discard", "triage", "decide", "rank", "corrections"},
    "dresden_police": {"import", "mapping", "discard", "triage", "decide", "rank"},
    "pirna_official": {"import", "mapping", "discard"},
    "pirna_coordinator": set(),
    "plauen_coordinator": set(),
    "lka_officer": set(),
    "analyst": set(),
    "auditor": set(),
    "administrator": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("persona", list(ALLOWED))
def test_each_persona_opens_exactly_its_pages(world: Any, case: Case, filled: Any, login: Any,
                                             persona: str) -> None:
    client = login(getattr(world, persona))
    addresses = _addresses(case, *filled)

    for name, (method, url) in addresses.items():
        if method == "post" and name in ALLOWED[persona]:
            continue  # the writes are tried below and in the services' tests
        response = getattr(client, method)(url, secure=True)
        expected = {200} if name in ALLOWED[persona] else {404}
        if name == "discard":
            expected = {302} if name in ALLOWED[persona] else {404}
        assert response.status_code in expected, (persona, name, response.status_code)


def test_the_reporter_hands_in_a_list_and_lands_on_the_evidence(world: Any, case: Case, login: Any) -> None:
    client = login(world.pirna_official)

    response = client.post(reverse("onlinehate:import", args=[case.pk]), {
        "form": "paste", "paste-platform": "Facebook", "paste-url": THREAD, "paste-text": paste_text()}, secure=True)

    assert response.status_code == 302 and response["Location"] == reverse("evidence:case_evidence", args=[case.pk])
    assert EvidenceItem.objects.filter(case=case, by_reporter=True).count() == len(COMMENTS)


def test_a_bad_line_is_answered_in_german_and_nothing_is_written(world: Any, case: Case, login: Any) -> None:
    client = login(world.coordinator)
    text = paste_text() + "\nnutzer_9\tgestern\tDu Idiot"

    response = client.post(reverse("onlinehate:import", args=[case.pk]), {
        "form": "paste", "paste-platform": "Facebook", "paste-url": THREAD, "paste-text": text}, secure=True)

    assert response.status_code == 400
    body = response.content.decode()
    assert "Nichts wurde importiert" in body and "Prüfbericht" in body
    assert EvidenceItem.objects.filter(case=case).count() == 0


def test_the_column_dialog_imports_and_then_shows_the_triage(world: Any, case: Case, login: Any) -> None:
    client = login(world.dresden_police)
    response = client.post(reverse("onlinehate:import", args=[case.pk]), {
        "form": "export", "export-platform": "Facebook", "export-file": upload("thread.csv", csv_export())},
        secure=True)
    thread_import = ThreadImport.objects.get(case=case)
    assert response.status_code == 302 and response["Location"].endswith(f"/import/{thread_import.pk}/spalten/")
    page = client.get(response["Location"], secure=True)
    assert page.status_code == 200 and "nutzer_001" in page.content.decode()  # the preview
    mapping = {key: str(value) for key, value in thread_import.mapping.items()}

    duplicate = client.post(response["Location"], {**mapping, "author": mapping["text"]}, secure=True)
    assert duplicate.status_code == 400 and EvidenceItem.objects.filter(case=case).count() == 0

    done = client.post(response["Location"], mapping, secure=True)
    assert done.status_code == 302 and done["Location"] == reverse("onlinehate:triage", args=[case.pk])
    triage = client.get(done["Location"], secure=True).content.decode()
    assert "<mark>" in triage and "Entscheidung speichern" in triage


def test_a_decision_through_the_page_and_a_refused_one(world: Any, case: Case, filled: Any, login: Any) -> None:
    client = login(world.dresden_police)
    _pending, row = filled
    url = reverse("onlinehate:decide", args=[case.pk, row.pk])
    prefix = f"d{row.pk}"

    refused = client.post(url, {f"{prefix}-task1": "OFFENSE", f"{prefix}-task2": "", "zeigen": "alle"}, secure=True)
    assert refused.status_code == 400
    assert "Wählen Sie die Art der Äußerung" in refused.content.decode()
    assert not TriagedItem.objects.get(pk=row.pk).label_task1

    saved = client.post(url, {f"{prefix}-task1": "OFFENSE", f"{prefix}-task2": "ABUSE",
                              f"{prefix}-legal_category": "incitement", "zeigen": "alle", "seite": "1"}, secure=True)
    assert saved.status_code == 302 and saved["Location"].endswith(f"?zeigen=alle&seite=1#kommentar-{row.pk}")
    stored = TriagedItem.objects.get(pk=row.pk)
    assert (stored.label_task1, stored.label_task2, stored.legal_category) == ("OFFENSE", "ABUSE", "incitement")

    accepted = client.post(reverse("onlinehate:decide", args=[case.pk, selectors.triage_rows(case)[0].pk]),
                           {"accept": "1"}, secure=True)
    assert accepted.status_code == 302


def test_markup_in_a_comment_is_shown_as_text(world: Any, case: Case, login: Any) -> None:
    services.import_paste(case=case, actor=world.coordinator, platform="Facebook", url=THREAD,
                          text=paste_text([("nutzer_x", "<script>alert('x')</script> Sie Idiot")]))
    client = login(world.coordinator)

    body = client.get(reverse("onlinehate:triage", args=[case.pk]) + "?zeigen=alle", secure=True).content.decode()

    assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body


@pytest.mark.parametrize("query", ["?zeigen=nichts", "?seite=abc", "?seite=99999", "?zeigen=alle&seite=-1"])
def test_odd_addresses_of_the_triage_page_still_answer(world: Any, case: Case, filled: Any, login: Any,
                                                      query: str) -> None:
    client = login(world.coordinator)

    assert client.get(reverse("onlinehate:triage", args=[case.pk]) + query, secure=True).status_code == 200


def test_the_coordinator_downloads_the_corrections(world: Any, case: Case, filled: Any, login: Any) -> None:
    _pending, row = filled
    services.decide(triaged=row, actor=world.coordinator, task1="OTHER")
    client = login(world.coordinator)

    response = client.get(reverse("onlinehate:corrections", args=[case.pk]), secure=True)

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response.content.decode().endswith("\tOTHER\tOTHER\n")


def test_without_a_model_the_comments_are_imported_unranked(world: Any, case: Case, login: Any, settings: Any,
                                                             tmp_path: Any) -> None:
    settings.TRIAGE_MODEL_PATH = str(tmp_path / "kein-modell.zip")
    services.import_paste(case=case, actor=world.coordinator, text=paste_text(), platform="Facebook", url=THREAD)
    client = login(world.coordinator)

    body = client.get(reverse("onlinehate:triage", args=[case.pk]), secure=True).content.decode()

    assert TriagedItem.objects.filter(case=case, p_offense__isnull=True).count() == len(COMMENTS)
    assert "Das Sichtungsmodell ist auf diesem Server nicht installiert" in body
    with pytest.raises(ValidationError):
        services.rank_case(case=case, actor=world.coordinator)
