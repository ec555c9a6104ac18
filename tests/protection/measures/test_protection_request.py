"""A protection request brings the LKA onto the case and tells it; only the LKA decides, with reasons."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from kommunalschutz.protection.cases.models import Case, CaseEvent, Notification
from kommunalschutz.protection.cases.selectors import visible_cases
from kommunalschutz.protection.measures import services
from kommunalschutz.protection.measures.models import Measure
from tests.conftest import World
from tests.protection.measures.conftest import tomorrow


def _request(world: World, case: Case) -> Measure:
    return services.add_measure(actor=world.dresden_police, case=case, kind="protection_request",
                                protection_kind="both", owner=world.dresden_police, due_on=tomorrow(),
                                description="Objektschutz am Wohnhaus der Bürgermeisterin erbeten.")


def test_request_makes_the_lka_see_the_case_and_notifies_it(
        world: World, pirna_case: Case, django_capture_on_commit_callbacks: Any) -> None:
    world.lka_officer.email = "schutz@lka.example"
    world.lka_officer.save()
    lka = world.lka_officer
    assert not lka.has_perm("cases.view_case", pirna_case)
    assert not visible_cases(lka).filter(pk=pirna_case.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        measure = _request(world, pirna_case)
    pirna_case.refresh_from_db()
    assert pirna_case.lka_involved and measure.decision == Measure.Decision.PENDING
    assert lka.has_perm("cases.view_case", pirna_case) and lka.has_perm("measures.decide_protection", pirna_case)
    assert visible_cases(lka).filter(pk=pirna_case.pk).exists()
    note = Notification.objects.get(user=lka, case=pirna_case)
    assert pirna_case.reference in note.message
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["schutz@lka.example"]
    text = str(mail.outbox[0].subject) + str(mail.outbox[0].body) + note.message
    assert pirna_case.reference in text
    for secret in ("Geheimname", "Galgen", "Wohnhaus", "Bürgermeisterin"):
        assert secret not in text  # no personal data or free text leaves the platform
    kinds = list(CaseEvent.objects.filter(case=pirna_case).values_list("kind", flat=True))
    assert {"measure", "team", "notified"} <= set(kinds)


def test_no_mail_when_the_request_is_refused(world: World, pirna_case: Case,
                                            django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.add_measure(actor=world.dresden_police, case=pirna_case, kind="protection_request",
                             protection_kind="", owner=world.dresden_police, due_on=tomorrow())
    assert mail.outbox == [] and not Notification.objects.exists()


DECIDE = "/api/v1/measures/{}/decision"


@pytest.mark.parametrize("persona", ["dresden_police", "coordinator", "pirna_official", "plauen_coordinator",
                                     "outsider", "auditor"])
def test_only_the_lka_decides_everyone_else_404(
        client: Any, world: World, pirna_case: Case, bearer: Any, persona: str) -> None:
    measure = _request(world, pirna_case)
    response = client.post(DECIDE.format(measure.pk), {"decision": "granted", "note": "Gefahr belegt."},
                           content_type="application/json", **bearer(getattr(world, persona)))
    assert response.status_code == 404
    measure.refresh_from_db()
    assert measure.decision == "pending" and measure.decided_by is None


def test_decision_needs_reasons_then_team_and_reporter_see_it(
        client: Any, world: World, pirna_case: Case, bearer: Any, login: Any) -> None:
    measure = _request(world, pirna_case)
    headers = bearer(world.lka_officer)
    response = client.post(DECIDE.format(measure.pk), {"decision": "granted", "note": "  "},
                           content_type="application/json", **headers)
    assert response.status_code == 422 and set(response.json()["errors"]) == {"note"}
    response = client.post(DECIDE.format(measure.pk), {"decision": "maybe", "note": "x"},
                           content_type="application/json", **headers)
    assert response.status_code == 422 and "decision" in response.json()["errors"]
    measure.refresh_from_db()
    assert measure.decision == "pending"

    response = client.post(DECIDE.format(measure.pk), {"decision": "partly", "note": "Nur Objektschutz: Streifen."},
                           content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "partly" and body["decided_by"] == world.lka_officer.pk and body["decided_at"]
    measure.refresh_from_db()
    assert measure.decided_by == world.lka_officer and measure.status == "in_progress"
    for user in (world.coordinator, world.dresden_police, world.pirna_official):
        assert Notification.objects.filter(user=user, case=pirna_case, message__contains="LKA").exists(), user
    # Decided once: a changed situation is a new request.
    response = client.post(DECIDE.format(measure.pk), {"decision": "granted", "note": "Doch."},
                           content_type="application/json", **headers)
    assert response.status_code == 422

    reporter_page = login(world.pirna_official).get(f"/massnahmen/fall/{pirna_case.pk}/").content.decode()
    assert "Nur Objektschutz" not in reporter_page  # the reasons stay with the team
    assert str(Measure.Decision.PARTLY.label) in reporter_page or "teilweise" in reporter_page


def test_decision_page_only_for_the_lka(login: Any, world: World, pirna_case: Case) -> None:
    measure = _request(world, pirna_case)
    url = f"/massnahmen/{measure.pk}/entscheidung/"
    assert login(world.dresden_police).get(url).status_code == 404
    client = login(world.lka_officer)
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "refused", "note": ""}).status_code == 400
    response = client.post(url, {"decision": "refused", "note": "Keine konkrete Gefährdung erkennbar."})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.decision == "refused"
