"""The report in steps (issue 13, item 3; decision 0021): step 1 stores the case, with a file if one comes; the
later steps are optional, audited updates; the self-report asks nothing the account knows; the municipality is
preselected; the anonymous reporter sees what they submitted."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.intake import reporting, steps
from tests.factories import MunicipalityFactory
from tests.files import StoredPath, stored_files

PASS = "gruene Wiese am Elbufer"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def evidence_root() -> StoredPath:
    return StoredPath("evidence")


def _stored(root: StoredPath) -> list[StoredPath]:
    return stored_files(root)


def _first_step(world: Any, **changes: Any) -> dict[str, Any]:
    """What a person enters in step 1: the essentials only."""
    occurred = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data: dict[str, Any] = {
        "description": "Ein Drohbrief lag im Briefkasten des Rathauses.", "incident_types": ["threat"],
        "channel": "letter", "occurred_at": occurred, "municipality": str(world.pirna.pk), "place": "office",
        "affected_role": "mayor"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _send(client: Any, data: dict[str, Any]) -> Any:
    token = client.get("/melden/").context["form_token"]
    return client.post("/melden/", {**data, "form_token": token})


def test_step_one_asks_the_essentials_and_nothing_the_account_knows(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    response = client.get("/melden/")
    page = response.content.decode()
    form = response.context["form"]
    # The essentials, and a file; the rest comes later.
    assert {"description", "incident_types", "occurred_at", "municipality", "danger_now", "evidence_file"} \
        <= set(form.fields)
    assert not {"perpetrator_kind", "perpetrator_details", "complaint_filed", "politically_motivated",
                "office_relation", "urgency"} & set(form.fields)
    # A self-report: no name or contact fields; the account's are shown.
    assert 'name="affected_name"' not in page and 'name="affected_contact"' not in page
    assert world.pirna_official.email in page and "Stadt Pirna" in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    # The municipality of her organisation is preselected, in a select grouped by district.
    assert f'<option value="{world.pirna.pk}" selected>' in page
    assert '<optgroup label="Sächsische Schweiz-Osterzgebirge">' in page
    assert len(form.fields) <= 16


def test_a_self_report_stores_the_case_with_the_account_as_the_person(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    response = _send(client, _first_step(world))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/melden/bestaetigung/{case.pk}/"
    assert (case.intake, case.reported_by, case.affected_user) == ("self", world.pirna_official, world.pirna_official)
    assert case.affected_contact == world.pirna_official.email
    assert case.affected_name == (world.pirna_official.get_full_name() or world.pirna_official.username)
    assert case.affected_role == "mayor" and case.perpetrator_kind == "unknown" and not case.complaint_filed
    # The role of the office is asked once: the next report takes it from this one and does not ask.
    again = client.get("/melden/")
    assert "affected_role" not in again.context["form"].fields
    assert "Bürgermeister" in again.content.decode()
    _send(client, _first_step(world, affected_role=None, description="Zweiter Brief."))
    assert Case.objects.order_by("-pk").first().affected_role == "mayor"  # type: ignore[union-attr]


def test_a_posted_name_never_replaces_the_account_in_a_self_report(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    _send(client, _first_step(world, affected_name="Jemand anders", affected_contact="0000"))
    case = Case.objects.get()
    assert case.affected_contact == world.pirna_official.email and case.affected_name != "Jemand anders"


def test_the_preselection_can_be_changed_and_follows_the_organisation(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    _send(client, _first_step(world, municipality=str(world.plauen.pk)))
    assert Case.objects.get().municipality == world.plauen
    page = login(world.plauen_coordinator).get("/melden/").content.decode()
    assert f'<option value="{world.plauen.pk}" selected>' in page
    page = login(world.coordinator).get("/melden/").content.decode()  # the coordination office: no municipality
    assert not re.search(r'<option value="\d+" selected>', page)


def test_the_municipality_list_is_in_german_order(world: Any) -> None:
    MunicipalityFactory.create(ags="14628010", name="Bärenstein", district=world.soe)
    MunicipalityFactory.create(ags="14628020", name="Burkhardtsdorf", district=world.soe)
    from kommunalschutz.protection.intake.forms import municipality_choices

    groups = dict(municipality_choices()[1:])
    names = [name for _pk, name in groups["Sächsische Schweiz-Osterzgebirge"]]
    assert names == ["Bärenstein", "Burkhardtsdorf", "Pirna, Stadt"]


def test_step_one_refusals_name_every_problem_and_store_nothing(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    response = _send(client, _first_step(world, description="", incident_types=None, occurred_at="2999-01-01T10:00",
                                         municipality="999999", channel="Brieftaube"))
    assert response.status_code == 422
    assert {"description", "incident_types", "occurred_at", "municipality", "channel"} <= set(
        response.context["form"].errors)
    assert Case.objects.count() == 0 and AuditEvent.objects.filter(object_type__contains="case").count() == 0
    body = response.content.decode()
    assert "Bitte beschreiben Sie" in body


def test_a_report_on_behalf_asks_for_the_person(world: Any, login: Any) -> None:
    client = login(world.pirna_coordinator)
    page = client.get("/melden/").content.decode()
    assert 'name="affected_name"' in page and 'name="affected_contact"' in page and 'name="report_for"' in page
    response = _send(client, _first_step(world, report_for="on_behalf", affected_role="council_member"))
    assert response.status_code == 422
    assert {"affected_name", "affected_contact"} <= set(response.context["form"].errors)
    response = _send(client, _first_step(world, report_for="on_behalf", affected_role="council_member",
                                         affected_name="Ortsvorsteherin Kühn", affected_contact="0351 000000"))
    case = Case.objects.get()
    assert (case.intake, case.affected_user, case.affected_name, case.affected_role) == (
        "on_behalf", None, "Ortsvorsteherin Kühn", "council_member")


def test_a_file_in_step_one_is_stored_with_the_case(world: Any, login: Any, evidence_root: StoredPath) -> None:
    client = login(world.pirna_official)
    upload = SimpleUploadedFile("drohbrief.pdf", PDF, content_type="application/pdf")
    response = _send(client, _first_step(world, evidence_file=upload, evidence_description="Der Brief"))
    case = Case.objects.get()
    item = EvidenceItem.objects.get(case=case)
    assert (item.original_name, item.size, item.sha256, item.description) == (
        "drohbrief.pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), "Der Brief")
    (stored,) = _stored(evidence_root)
    assert PDF not in stored.read_bytes()  # encrypted at rest
    done = client.get(response["Location"]).content.decode()
    assert "drohbrief.pdf" in done and hashlib.sha256(PDF).hexdigest() in done


@pytest.mark.parametrize(("name", "content", "says"), [
    ("programm.pdf", b"MZ\x90\x00" + b"\x00" * 200, "Windows-Programm"),
    ("seite.pdf", b"<html><script>alert(1)</script></html>", "HTML"),
    ("leer.pdf", b"", "leer"),
    ("brief.png", PDF, ".png"),
])
def test_a_refused_file_stores_neither_file_nor_case(world: Any, login: Any, evidence_root: StoredPath, name: str,
                                                     content: bytes, says: str) -> None:
    client = login(world.pirna_official)
    response = _send(client, _first_step(world, evidence_file=SimpleUploadedFile(name, content)))
    assert response.status_code == 422
    errors = response.context["form"].errors["evidence_file"]
    assert any(says in str(error) for error in errors), errors
    assert Case.objects.count() == EvidenceItem.objects.count() == 0 and _stored(evidence_root) == []
    # The form token was given back: the same page can be sent again once the file is fixed.
    token = response.context["form_token"]
    assert client.post("/melden/", {**_first_step(world), "form_token": token}).status_code == 302


def test_a_too_large_file_is_refused_before_anything_is_stored(world: Any, login: Any, settings: Any,
                                                              evidence_root: StoredPath) -> None:
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 100
    client = login(world.pirna_official)
    response = _send(client, _first_step(world, evidence_file=SimpleUploadedFile("brief.pdf", PDF)))
    assert "größer als" in str(response.context["form"].errors["evidence_file"])
    assert Case.objects.count() == 0 and _stored(evidence_root) == []


def test_the_confirmation_says_what_happens_next_and_how_to_add_more(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    done = client.get(_send(client, _first_step(world))["Location"])
    case = Case.objects.get()
    page = done.content.decode()
    assert "110" in page and "Koordinierungsstelle" in page and "Polizeidirektion" in page
    assert timezone.localtime(case.acknowledgement_due_at).strftime("%d.%m.%Y") in page
    for step in steps.STEPS:
        assert f"/melden/{case.pk}/ergaenzen/{step.slug}/" in page
    assert f"/faelle/{case.pk}/beweismittel/" in page or "beweismittel" in page
    acute = client.get(_send(client, _first_step(world, danger_now="on"))["Location"]).content.decode()
    assert "alarmiert" in acute


def test_each_later_step_is_an_audited_update(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    _send(client, _first_step(world))
    case = Case.objects.get()
    values = {
        "vorfall": {"affected_role": "council_member", "place_detail": "Rathaus, Eingang Ost",
                    "office_relation": "Nach der Ratssitzung", "urgency": "high"},
        "taeter": {"perpetrator_kind": "individual", "perpetrator_known_to_victim": "yes",
                   "perpetrator_details": "Ein Nachbar"},
        "anzeige": {"complaint_filed": "on", "complaint_file_number": "AZ 123/26",
                    "complaint_police_station": "Polizeirevier Pirna", "politically_motivated": "yes"},
    }
    for slug, data in values.items():
        url = f"/melden/{case.pk}/ergaenzen/{slug}/"
        page = client.get(url)
        assert page.status_code == 200
        response = client.post(url, {**data, "form_token": page.context["form_token"]})
        assert response.status_code == 302, response.context["form"].errors if response.context else ""
    case.refresh_from_db()
    assert (case.affected_role, case.place_detail, case.urgency, case.perpetrator_kind, case.perpetrator_details,
            case.complaint_filed, case.complaint_file_number, case.politically_motivated) == (
        "council_member", "Rathaus, Eingang Ost", "high", "individual", "Ein Nachbar", True, "AZ 123/26", "yes")
    updates = AuditEvent.objects.filter(summary__startswith="report completed by the reporter")
    assert updates.count() == 3
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.EDITED, by_reporter=True).count() == 3
    assert steps.filled_steps(case) == {"vorfall", "taeter", "anzeige"}


def test_later_steps_refuse_bad_input_and_write_nothing(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    _send(client, _first_step(world))
    case = Case.objects.get()
    audit_before = AuditEvent.objects.count()
    url = f"/melden/{case.pk}/ergaenzen/anzeige/"
    token = client.get(url).context["form_token"]
    # A file number without a complaint; a choice that does not exist; control characters.
    response = client.post(url, {"complaint_file_number": "AZ 1", "politically_motivated": "vielleicht",
                                 "complaint_police_station": "Revier\x07", "form_token": token})
    assert response.status_code == 422
    assert {"politically_motivated", "complaint_police_station"} <= set(response.context["form"].errors)
    response = client.post(url, {"complaint_file_number": "AZ 1", "form_token": token})
    assert response.status_code == 422 and "complaint_file_number" in response.context["form"].errors
    # No token: refused as expired; the same token twice: the second writes nothing.
    assert client.post(url, {"politically_motivated": "no"}).status_code == 400
    assert AuditEvent.objects.count() == audit_before
    assert client.post(url, {"politically_motivated": "no", "form_token": token}).status_code == 302
    assert client.post(url, {"politically_motivated": "yes", "form_token": token}).status_code == 409
    case.refresh_from_db()
    assert case.politically_motivated == "no"
    assert client.get(f"/melden/{case.pk}/ergaenzen/unbekannt/").status_code == 404


def test_only_the_reporter_completes_the_report_and_not_when_closed(world: Any, login: Any,
                                                                   report_data: dict[str, Any]) -> None:
    case = reporting.create_case(actor=world.pirna_official, data=report_data, intake="self",
                                 affected_user=world.pirna_official)
    for person in (world.plauen_coordinator, world.coordinator, world.dresden_police, world.outsider):
        client = login(person)
        assert client.get(f"/melden/{case.pk}/ergaenzen/taeter/").status_code == 404
        assert client.get(f"/melden/bestaetigung/{case.pk}/").status_code == 404
    client = login(world.pirna_official)
    assert client.get(f"/melden/{case.pk}/ergaenzen/taeter/").status_code == 200
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    assert client.get(f"/melden/{case.pk}/ergaenzen/taeter/").status_code == 404
    assert "abgeschlossen" in client.get(f"/melden/bestaetigung/{case.pk}/").content.decode()


def test_the_evidence_step_adds_files_and_online_content_and_lists_them(world: Any, login: Any,
                                                                         evidence_root: StoredPath) -> None:
    client = login(world.pirna_official)
    _send(client, _first_step(world))
    case = Case.objects.get()
    url = f"/melden/{case.pk}/ergaenzen/beweismittel/"
    token = client.get(url).context["form_token"]
    refused = client.post(url, {"action": "file", "form_token": token,
                                "file-file": SimpleUploadedFile("virus.pdf", b"MZ" + b"\x00" * 64)})
    assert refused.status_code == 422 and "Windows-Programm" in refused.content.decode()
    assert EvidenceItem.objects.count() == 0 and _stored(evidence_root) == []
    bell = client.post(url, {"action": "file", "form_token": token, "file-description": "Brief\x07",
                             "file-file": SimpleUploadedFile("brief.pdf", PDF)})
    assert bell.status_code == 422 and "description" in bell.context["file_form"].errors
    assert EvidenceItem.objects.count() == 0 and _stored(evidence_root) == []
    sent = client.post(url, {"action": "file", "form_token": token,
                             "file-file": SimpleUploadedFile("brief.pdf", PDF)})
    assert sent.status_code == 302
    token = client.get(url).context["form_token"]
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    online = client.post(url, {"action": "online", "form_token": token, "online-url": "https://example.org/p/1",
                               "online-platform": "Facebook", "online-posted_at": now, "online-captured_at": now,
                               "online-content_text": "Wir wissen, wo du wohnst."})
    assert online.status_code == 302
    page = client.get(url).content.decode()
    assert "brief.pdf" in page and hashlib.sha256(PDF).hexdigest() in page and "Facebook" in page
    assert set(EvidenceItem.objects.values_list("by_reporter", flat=True)) == {True}
    assert client.post(url, {"form_token": token}).status_code == 404  # no action: nothing to do


def test_the_anonymous_reporter_sees_what_they_submitted_and_nothing_of_others(
        world: Any, client: Any, report_data: dict[str, Any], evidence_root: StoredPath) -> None:
    from kommunalschutz.protection.evidence import services as evidence_services

    case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    other, _receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    evidence_services.add_file(case=other, actor=None, upload=SimpleUploadedFile("fremd.pdf", PDF), by_reporter=True)
    evidence_services.add_file(case=case, actor=world.coordinator,
                               upload=SimpleUploadedFile("team-vermerk.pdf", PDF))
    url = "/melden/anonym/nachverfolgen/"
    client.post(url, {"action": "open", "receipt": receipt, "passphrase": PASS})
    page = client.get(url)
    assert "Noch keine Dateien" in page.content.decode()
    token = page.context["evidence_token"]
    mine = b"Mitschrift des Anrufs vom Montag.\n"
    sent = client.post(url, {"action": "file", "form_token": token,
                             "file-file": SimpleUploadedFile("mitschrift.txt", mine)})
    assert sent.status_code == 302 and sent["Location"].endswith("#eingereicht")
    body = client.get(sent["Location"]).content.decode()
    assert "mitschrift.txt" in body and hashlib.sha256(mine).hexdigest() in body and "34\xa0Bytes" in body
    assert "fremd.pdf" not in body and "team-vermerk.pdf" not in body
