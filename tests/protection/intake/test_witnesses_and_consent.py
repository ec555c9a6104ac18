"""Witnesses, the wish for a criminal complaint and the consent to pass the report on to the police (issue 13,
item 3; decision 0021): asked in the optional steps, never in step 1 or the anonymous form; witnesses encrypted at
rest; every write audited; bad input refused in German with nothing written; the case page shows them to the
people who see the case, nobody else. And the office from the account: a self-report does not ask for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kommunalschutz.foundation.accounts import services as account_services
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.intake import steps
from kommunalschutz.protection.intake.forms import AnonymousReportForm
from tests.protection.cases.test_encryption_at_rest import _columns_containing

MARKER = "Wombat4471Zeugin"


def _first_step(world: Any, **changes: Any) -> dict[str, Any]:
    occurred = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data: dict[str, Any] = {
        "description": "Ein Drohbrief lag im Briefkasten des Rathauses.",
        "incident_types": ["threat"],
        "channel": "letter",
        "occurred_at": occurred,
        "municipality": str(world.pirna.pk),
        "place": "office",
        "affected_role": "mayor",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _send(client: Any, data: dict[str, Any]) -> Any:
    token = client.get("/melden/").context["form_token"]
    return client.post("/melden/", {**data, "form_token": token})


def _step(client: Any, case: Case, slug: str, data: dict[str, Any]) -> Any:
    url = f"/melden/{case.pk}/ergaenzen/{slug}/"
    token = client.get(url).context["form_token"]
    return client.post(url, {**data, "form_token": token})


@pytest.fixture
def reported(world: Any, login: Any) -> tuple[Any, Case]:
    client = login(world.pirna_official)
    assert _send(client, _first_step(world)).status_code == 302
    return client, Case.objects.get()


def test_the_questions_come_in_the_later_steps_not_in_step_one_nor_the_anonymous_form(
    world: Any, reported: tuple[Any, Case]
) -> None:
    client, case = reported
    new = {"witnesses", "complaint_wanted", "police_consent"}
    assert not new & set(client.get("/melden/").context["form"].fields)
    assert not new & set(AnonymousReportForm().fields)
    assert "witnesses" in client.get(f"/melden/{case.pk}/ergaenzen/vorfall/").context["form"].fields
    page = client.get(f"/melden/{case.pk}/ergaenzen/anzeige/")
    assert {"complaint_wanted", "police_consent"} <= set(page.context["form"].fields)
    body = page.content.decode()
    assert "Darf das Fallteam Ihre Meldung an die Polizei weitergeben?" in body
    assert "gehören zum Fallteam und lesen Ihre Meldung ohnehin" in body
    # Not answered is not a refusal: a new case has neither a wish nor a consent.
    assert (case.witnesses, case.complaint_wanted, case.police_consent) == ("", "undecided", "not_stated")
    assert steps.filled_steps(case) == set()


def test_witnesses_and_consent_are_stored_audited_and_encrypted(
    world: Any, login: Any, reported: tuple[Any, Case]
) -> None:
    client, case = reported
    response = _step(
        client,
        case,
        "vorfall",
        {"witnesses": f"Frau {MARKER}, Nachbarin, 0351 123456", "affected_role": "mayor", "urgency": "medium"},
    )
    assert response.status_code == 302
    response = _step(
        client,
        case,
        "anzeige",
        {"complaint_wanted": "wanted", "police_consent": "given", "politically_motivated": "unknown"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.witnesses, case.complaint_wanted, case.police_consent) == (
        f"Frau {MARKER}, Nachbarin, 0351 123456",
        "wanted",
        "given",
    )
    assert steps.filled_steps(case) == {"vorfall", "anzeige"}

    # Audited: who, what changed (the witnesses' text hidden as a secret), and a timeline entry of the reporter.
    entries = AuditEvent.objects.filter(
        object_type="cases.case", object_id=str(case.pk), summary__startswith="report completed by the reporter"
    ).order_by("pk")
    assert [e.summary for e in entries] == [
        "report completed by the reporter: vorfall",
        "report completed by the reporter: anzeige",
    ]
    assert all(e.actor_id == world.pirna_official.pk for e in entries)
    assert "witnesses" in entries[0].changes and MARKER not in str(entries[0].changes)
    assert entries[1].changes["police_consent"] == {"old": "not_stated", "new": "given"}
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.EDITED, by_reporter=True).count() == 2

    # Encrypted at rest: no column of any table holds the witnesses' names.
    assert _columns_containing(MARKER) == []

    # The case team reads them in German; so does the reporter who gave them.
    owner = world.coordinator
    Case.objects.filter(pk=case.pk).update(owner=owner)
    for person in (owner, world.dresden_police, world.pirna_official):
        page = login(person).get(f"/faelle/{case.pk}/").content.decode()
        assert f"Frau {MARKER}" in page, person
        assert "Zeuginnen und Zeugen" in page and "Strafanzeige gewünscht" in page
        assert "Weitergabe an die Polizei" in page and "ja, darf weitergegeben werden" in page


def test_people_outside_the_case_see_nothing_and_cannot_answer(
    world: Any, login: Any, reported: tuple[Any, Case]
) -> None:
    client, case = reported
    _step(client, case, "vorfall", {"witnesses": f"Herr {MARKER}", "affected_role": "mayor", "urgency": "medium"})
    for person in (world.plauen_coordinator, world.outsider, world.analyst, world.administrator, world.auditor):
        other = login(person)
        assert other.get(f"/faelle/{case.pk}/").status_code == 404
        assert other.get(f"/melden/{case.pk}/ergaenzen/anzeige/").status_code == 404
        assert other.post(f"/melden/{case.pk}/ergaenzen/anzeige/", {"police_consent": "refused"}).status_code == 404
    # The case team reads the case but does not answer for the reporter.
    Case.objects.filter(pk=case.pk).update(owner=world.coordinator)
    assert login(world.coordinator).get(f"/melden/{case.pk}/ergaenzen/anzeige/").status_code == 404
    case.refresh_from_db()
    assert case.police_consent == "not_stated"


def test_bad_answers_are_refused_in_german_and_nothing_is_written(world: Any, reported: tuple[Any, Case]) -> None:
    client, case = reported
    audit_before = AuditEvent.objects.count()
    # An answer that is not offered, together with a valid one: neither is stored.
    response = _step(client, case, "anzeige", {"complaint_wanted": "wanted", "police_consent": "vielleicht"})
    assert response.status_code == 422
    assert "police_consent" in response.context["form"].errors
    assert "Bitte eine gültige Auswahl treffen" in str(response.context["form"].errors["police_consent"])
    # Witnesses beyond the length limit and with a control character.
    response = _step(
        client, case, "vorfall", {"witnesses": "x" * 5001, "place_detail": "Eingang Ost", "affected_role": "mayor"}
    )
    assert response.status_code == 422 and "witnesses" in response.context["form"].errors
    response = _step(
        client, case, "vorfall", {"witnesses": "Frau A\x07", "place_detail": "Eingang Ost", "affected_role": "mayor"}
    )
    assert response.status_code == 422 and "witnesses" in response.context["form"].errors
    case.refresh_from_db()
    assert (case.witnesses, case.place_detail, case.complaint_wanted, case.police_consent) == (
        "",
        "",
        "undecided",
        "not_stated",
    )
    assert AuditEvent.objects.count() == audit_before

    # The service itself (as the API or a later form would call it) refuses in German, all problems at once.
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        steps.complete_step(
            actor=world.pirna_official,
            case=case,
            step=steps.STEP_BY_SLUG["anzeige"],
            data={"complaint_wanted": "sofort", "police_consent": "given"},
        )
    assert refused.value.message_dict == {"complaint_wanted": ["Bitte wählen Sie eine der angebotenen Möglichkeiten."]}
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        steps.complete_step(
            actor=world.pirna_official,
            case=case,
            step=steps.STEP_BY_SLUG["vorfall"],
            data={"witnesses": "y" * 5001, "place_detail": "Eingang Ost"},
        )
    assert "höchstens 5000 Zeichen" in refused.value.message_dict["witnesses"][0]
    case.refresh_from_db()
    assert (case.place_detail, case.police_consent) == ("", "not_stated")
    assert AuditEvent.objects.count() == audit_before


def test_the_case_team_records_witnesses_but_not_the_reporters_consent(
    world: Any, login: Any, reported: tuple[Any, Case]
) -> None:
    _client, case = reported
    Case.objects.filter(pk=case.pk).update(owner=world.coordinator)
    team = login(world.coordinator)
    form = team.get(f"/faelle/{case.pk}/vorfall/").context["form"]
    assert "witnesses" in form.fields and not {"complaint_wanted", "police_consent"} & set(form.fields)


# --- the office from the account -------------------------------------------------------------------------


def test_the_account_office_fills_the_role_of_a_self_report(world: Any, login: Any) -> None:
    official = account_services.set_office(
        actor=world.pirna_official, user=world.pirna_official, office="council_member"
    )
    client = login(official)
    page = client.get("/melden/")
    assert "affected_role" not in page.context["form"].fields
    body = page.content.decode()
    assert "Gemeinderats- oder Kreistagsmitglied" in body and "aus Ihrem Konto" in body
    assert _send(client, _first_step(world, affected_role=None)).status_code == 302
    case = Case.objects.get()
    assert case.affected_role == "council_member"
    # Corrected for this report in the step "Details of the incident"; the account keeps its office.
    assert _step(client, case, "vorfall", {"affected_role": "mayor", "urgency": "medium"}).status_code == 302
    case.refresh_from_db()
    official.refresh_from_db()
    assert (case.affected_role, official.office) == ("mayor", "council_member")
    # The account's office wins over the latest self-report.
    assert steps.known_role(official) == "council_member"


def test_without_an_office_the_latest_self_report_still_tells_the_role(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    assert world.pirna_official.office == ""
    assert "affected_role" in client.get("/melden/").context["form"].fields
    _send(client, _first_step(world, affected_role="staff"))
    assert steps.known_role(world.pirna_official) == "staff"
    assert "aus Ihrer letzten Meldung" in client.get("/melden/").content.decode()
