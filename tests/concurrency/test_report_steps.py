"""The later steps of a report (/melden/<id>/ergaenzen/<step>/) saved at the same moment: through the real
view, each writer a client of its own with its own database connection. Different steps posted together all
land (none overwrites another's fields with what it read before), the same step posted twice at once gives
both writers an answer and stores one of the two, and nobody gets a server error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from tests.concurrency.conftest import results, run_together
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = {
    "vorfall": {"affected_role": "council_member", "place_detail": "Rathaus, Eingang Ost",
                "office_relation": "Nach der Ratssitzung", "urgency": "high"},
    "taeter": {"perpetrator_kind": "individual", "perpetrator_known_to_victim": "yes",
               "perpetrator_details": "Ein Nachbar"},
    "anzeige": {"complaint_filed": "on", "complaint_file_number": "AZ 123/26",
                "complaint_police_station": "Polizeirevier Pirna", "politically_motivated": "yes"},
}


def _reported_case(world: World, login: Any) -> tuple[Client, Case]:
    client: Client = login(world.pirna_official)
    occurred = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    token = client.get("/melden/").context["form_token"]
    response = client.post("/melden/", {
        "description": "Ein Drohbrief lag im Briefkasten des Rathauses.", "incident_types": ["threat"],
        "channel": "letter", "occurred_at": occurred, "municipality": str(world.pirna.pk), "place": "office",
        "affected_role": "mayor", "form_token": token})
    assert response.status_code == 302
    return client, Case.objects.get()


def _same_session(client: Client) -> Client:
    """Another client (another "browser tab") of the signed-in person: the same session cookie."""
    other = Client()
    for name, morsel in client.cookies.items():
        other.cookies[name] = morsel.value
    return other


def _post_step(client: Client, case: Case, slug: str, data: dict[str, Any]) -> int:
    url = f"/melden/{case.pk}/ergaenzen/{slug}/"
    token = client.get(url).context["form_token"]
    return int(client.post(url, {**data, "form_token": token}).status_code)


def test_different_steps_saved_at_once_all_land(world: World, login: Any) -> None:
    client, case = _reported_case(world, login)
    writers = [(_same_session(client), slug, data) for slug, data in STEPS.items()]
    # Each writer fetches its form (and one-time token) before the barrier, as a person would.
    prepared = []
    for writer, slug, data in writers:
        url = f"/melden/{case.pk}/ergaenzen/{slug}/"
        prepared.append((writer, url, {**data, "form_token": writer.get(url).context["form_token"]}))

    statuses = results(run_together(lambda i: int(prepared[i][0].post(prepared[i][1], prepared[i][2]).status_code),
                                    writers=len(prepared)))

    assert statuses == [302, 302, 302]
    case.refresh_from_db()
    assert (case.affected_role, case.place_detail, case.urgency, case.perpetrator_kind, case.perpetrator_details,
            case.complaint_filed, case.complaint_file_number, case.politically_motivated) == (
        "council_member", "Rathaus, Eingang Ost", "high", "individual", "Ein Nachbar", True, "AZ 123/26", "yes")
    assert AuditEvent.objects.filter(summary__startswith="report completed by the reporter").count() == 3
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.EDITED, by_reporter=True).count() == 3


def test_the_same_step_saved_twice_at_once_stores_one_of_them(world: World, login: Any) -> None:
    client, case = _reported_case(world, login)
    details = ["Ein Nachbar", "Ein Unbekannter im grauen Auto"]
    prepared = []
    for text in details:
        writer = _same_session(client)
        url = f"/melden/{case.pk}/ergaenzen/taeter/"
        data = {**STEPS["taeter"], "perpetrator_details": text}
        prepared.append((writer, url, {**data, "form_token": writer.get(url).context["form_token"]}))

    statuses = results(run_together(lambda i: int(prepared[i][0].post(prepared[i][1], prepared[i][2]).status_code),
                                    writers=2))

    assert statuses == [302, 302]
    case.refresh_from_db()
    assert case.perpetrator_details in details and case.perpetrator_kind == "individual"
    # Each save that changed something is on the audit trail and the timeline (the second changed the details).
    updates = AuditEvent.objects.filter(summary="report completed by the reporter: taeter").count()
    assert updates == CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.EDITED, by_reporter=True).count() == 2
    assert _post_step(client, case, "vorfall", STEPS["vorfall"]) == 302
