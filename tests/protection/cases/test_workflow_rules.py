"""The rules of the workflow: status steps, closing, links, tasks, the case team. Every refusal is a
message at the field, and nothing is written."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases import case_tasks, case_team, links, workflow
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseLink, CaseTask, CaseTeamMember, Notification
from tests.conftest import World
from tests.protection.cases.conftest import Cases, make_case


def _counts() -> dict[str, int]:
    return {"audit": AuditEvent.objects.count(), "events": CaseEvent.objects.count(),
            "links": CaseLink.objects.count(), "tasks": CaseTask.objects.count(),
            "team": CaseTeamMember.objects.count(), "notifications": Notification.objects.count()}


def _refused(field: str, call: Any) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert _counts() == before


# --- status ---------------------------------------------------------------------------------------


def test_status_moves_one_step_forward_and_back_but_not_to_closed(world: World, cases: Cases) -> None:
    case, actor = cases.reported, world.coordinator
    assert workflow.allowed_statuses(case) == ["assessment"]
    _refused("status", lambda: workflow.change_status(actor=actor, case=case, status="monitoring"))  # skips a step
    _refused("status", lambda: workflow.change_status(actor=actor, case=case, status="closed"))
    _refused("status", lambda: workflow.change_status(actor=actor, case=case, status="acknowledged"))  # same
    _refused("status", lambda: workflow.change_status(actor=actor, case=case, status="nonsense"))
    case = workflow.change_status(actor=actor, case=case, status="assessment")
    case = workflow.change_status(actor=actor, case=case, status="measures_agreed")
    case = workflow.change_status(actor=actor, case=case, status="monitoring")
    assert workflow.allowed_statuses(case) == ["acknowledged", "assessment", "measures_agreed"]
    case = workflow.change_status(actor=actor, case=case, status="acknowledged")  # back, several steps
    _refused("status", lambda: workflow.change_status(actor=actor, case=case, status="new"))
    assert list(CaseEvent.objects.filter(case=case, kind="status").values_list("kind", flat=True)) == ["status"] * 4


def test_a_closed_case_moves_only_through_reopen(world: World, cases: Cases) -> None:
    case = workflow.close_case(actor=world.coordinator, case=cases.reported, reason="resolved", note="")
    assert case.closed_at is not None and case.statistic.is_closed
    _refused("status", lambda: workflow.change_status(actor=world.coordinator, case=case, status="monitoring"))
    _refused("reason", lambda: workflow.close_case(actor=world.coordinator, case=case, reason="resolved"))
    _refused("reason", lambda: workflow.reopen_case(actor=world.coordinator, case=case, reason="  "))
    case = workflow.reopen_case(actor=world.coordinator, case=case, reason="Ein neuer Brief ist gekommen.")
    assert case.status == "acknowledged" and case.closed_at is None and case.closing_reason == ""
    assert not Case.objects.get(pk=case.pk).statistic.is_closed
    assert case.messages.filter(internal=True, body__isnull=False).count() == 1
    _refused("reason", lambda: workflow.reopen_case(actor=world.coordinator, case=case, reason="nochmal"))


def test_new_to_acknowledged_through_the_status_form_takes_the_case(world: World, cases: Cases) -> None:
    case = workflow.change_status(actor=world.coordinator, case=cases.queue, status="acknowledged")
    assert case.owner_id == world.coordinator.pk and case.acknowledged_at is not None


def test_close_without_reason_is_refused_in_page_and_api(world: World, cases: Cases, login: Any, client: Any,
                                                         bearer: Any) -> None:
    case = cases.reported
    before = _counts()
    page = login(world.coordinator).post(reverse("cases:case_close", args=[case.pk]),
                                         {"close-reason": "", "close-note": "fertig"})
    assert page.status_code == 400
    assert "Geben Sie den Grund für den Abschluss des Falls an." in page.content.decode()
    assert 'aria-describedby="id_close-reason_error"' in page.content.decode()
    api = client.post(f"/api/v1/cases/{case.pk}/close", data=json.dumps({"reason": ""}),
                      content_type="application/json", **bearer(world.coordinator))
    assert api.status_code == 422 and "reason" in api.json()["errors"]
    assert Case.objects.get(pk=case.pk).status == "acknowledged"
    assert _counts()["audit"] == before["audit"] + 1  # only the token created for the API call
    bad = client.post(f"/api/v1/cases/{case.pk}/close", data=json.dumps({"reason": "bored"}),
                      content_type="application/json", **bearer(world.coordinator))
    assert bad.status_code == 422


def test_status_step_refused_in_the_page_at_the_field(world: World, cases: Cases, login: Any) -> None:
    response = login(world.coordinator).post(reverse("cases:case_status", args=[cases.reported.pk]),
                                             {"status-status": "monitoring"})
    assert response.status_code == 400
    assert 'id="id_status-status_error"' in response.content.decode()
    assert Case.objects.get(pk=cases.reported.pk).status == "acknowledged"


# --- links ---------------------------------------------------------------------------------------------


def test_link_rules(world: World, cases: Cases) -> None:
    actor, case = world.coordinator, cases.reported
    mine = make_case(municipality=world.pirna, owner=actor, status="acknowledged")
    _refused("other", lambda: links.link_cases(actor=actor, case=case, other=case, kind="series"))
    _refused("other", lambda: links.link_cases(actor=actor, case=case, other=cases.foreign, kind="series"))
    _refused("other", lambda: links.link_cases(actor=actor, case=case, other=None, kind="series"))
    _refused("kind", lambda: links.link_cases(actor=actor, case=case, other=mine, kind="cousin"))
    links.link_cases(actor=actor, case=case, other=mine, kind="same_perpetrator")
    _refused("other", lambda: links.link_cases(actor=actor, case=case, other=mine, kind="series"))
    _refused("other", lambda: links.link_cases(actor=actor, case=mine, other=case, kind="series"))  # reverse
    assert CaseEvent.objects.filter(kind="link").count() == 2  # on both cases


def test_a_linked_case_the_user_cannot_see_is_not_named(world: World, cases: Cases, login: Any) -> None:
    """The Dresden police sees the Pirna case, not the queue case in Plauen it is linked to."""
    links.link_cases(actor=world.coordinator, case=cases.reported, other=cases.queue, kind="series")
    police = login(world.dresden_police).get(reverse("cases:case_detail", args=[cases.reported.pk])).content.decode()
    assert cases.queue.reference not in police
    assert "ein Fall, den Sie nicht sehen können" in police
    coordinator = login(world.coordinator).get(reverse("cases:case_detail", args=[cases.reported.pk]))
    assert reverse("cases:case_detail", args=[cases.queue.pk]) in coordinator.content.decode()


def test_link_by_case_number_in_the_page(world: World, cases: Cases, login: Any) -> None:
    response = login(world.coordinator).post(reverse("cases:case_link", args=[cases.reported.pk]),
                                             {"link-other": cases.foreign.reference, "link-kind": "series"})
    assert response.status_code == 400 and 'id="id_link-other_error"' in response.content.decode()
    assert not CaseLink.objects.exists()


# --- tasks ---------------------------------------------------------------------------------------------


def test_task_rules(world: World, cases: Cases) -> None:
    actor, case = world.coordinator, cases.reported
    today = timezone.localdate()
    _refused("due_on", lambda: case_tasks.add_task(actor=actor, case=case, title="x", due_on=today - dt.timedelta(1)))
    _refused("due_on", lambda: case_tasks.add_task(actor=actor, case=case, title="x", due_on=None))
    _refused("title", lambda: case_tasks.add_task(actor=actor, case=case, title="   ", due_on=today))
    _refused("assignee", lambda: case_tasks.add_task(actor=actor, case=case, title="x", due_on=today,
                                                     assignee=world.analyst))
    task = case_tasks.add_task(actor=actor, case=case, title="Sicherheitsberatung planen", due_on=today,
                               assignee=world.dresden_police)
    assert Notification.objects.filter(user=world.dresden_police, case=case).exists()
    case_tasks.complete_task(actor=actor, case=case, task=task)
    _refused("task", lambda: case_tasks.complete_task(actor=actor, case=case, task=task))


# --- the case team -------------------------------------------------------------------------------------


def test_only_team_roles_join_or_own_a_case(world: World, cases: Cases) -> None:
    actor, case = world.coordinator, cases.reported
    for person in (world.pirna_official, world.analyst, world.administrator, world.outsider, world.auditor):
        _refused("user", lambda p=person: case_team.add_team_member(actor=actor, case=case, user=p,
                                                                    function="case_worker"))
        _refused("owner", lambda p=person: case_team.assign_owner(actor=actor, case=case, owner=p))
    _refused("function", lambda: case_team.add_team_member(actor=actor, case=case, user=world.lka_officer,
                                                           function="boss"))
    member = case_team.add_team_member(actor=actor, case=case, user=world.lka_officer, function="protection_officer")
    _refused("user", lambda: case_team.add_team_member(actor=actor, case=case, user=world.lka_officer,
                                                       function="case_worker"))
    case_team.remove_team_member(actor=actor, case=case, member=member)
    assert not CaseTeamMember.objects.filter(case=case).exists()


def test_police_of_another_directorate_cannot_join(world: World, cases: Cases) -> None:
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    zwickau = UserFactory.create(username="zwickau-police")
    MembershipFactory.create(user=zwickau, role="police_contact", organisation=OrganisationFactory.create(
        kind="police_directorate", name="PD Zwickau", police_directorate=world.zwickau_pd))
    _refused("user", lambda: case_team.add_team_member(actor=world.coordinator, case=cases.reported, user=zwickau,
                                                       function="police_contact"))


def test_the_new_owner_is_notified(world: World, cases: Cases) -> None:
    case_team.assign_owner(actor=world.coordinator, case=cases.reported, owner=world.dresden_police)
    note = Notification.objects.get(user=world.dresden_police)
    assert cases.reported.reference in note.message and note.case_id == cases.reported.pk
    _refused("owner", lambda: case_team.assign_owner(actor=world.coordinator, case=cases.reported,
                                                     owner=world.dresden_police))


# --- editing the incident -----------------------------------------------------------------------------


def test_edit_incident_refuses_bad_input_and_saves_nothing(world: World, cases: Cases, client: Any,
                                                           bearer: Any) -> None:
    case = cases.reported
    headers = bearer(world.coordinator)
    before = _counts()
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    for body, field in (({"description": "  "}, "description"), ({"occurred_at": future}, "occurred_at"),
                        ({"incident_types": []}, "incident_types"), ({"municipality": "99999999"}, "municipality")):
        response = client.patch(f"/api/v1/cases/{case.pk}", data=json.dumps(body), content_type="application/json",
                                **headers)
        assert response.status_code == 422, body
        assert field in response.json()["errors"], response.json()
    assert Case.objects.get(pk=case.pk).description == case.description
    assert _counts() == before
    moved = client.patch(f"/api/v1/cases/{case.pk}", data=json.dumps({"municipality": world.plauen.ags}),
                         content_type="application/json", **headers)
    assert moved.status_code == 200
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.police_directorate_id == world.zwickau_pd.pk and fresh.statistic.district_id == world.vogtland.pk
