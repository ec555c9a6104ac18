"""Every case action for every persona of the world, in the pages and in the API.

The case: reported by the Pirna official, owned by the coordinator, in PD Dresden's area. Its team is
the coordinator (owner) and the Dresden police contact (responsible directorate); the reporter is the
Pirna official. Everyone else gets 404 from every page and endpoint, and nothing is written. The
permission grid test covers has_perm cell by cell; this covers the endpoints.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseLink, CaseMessage, CaseTask, CaseTeamMember
from tests.conftest import PERSONAS, World
from tests.protection.cases.conftest import make_case

TEAM = {"coordinator", "dresden_police"}
REPORTER = {"pirna_official"}


@pytest.fixture
def case(world: World) -> Case:
    return make_case(municipality=world.pirna, reported_by=world.pirna_official, affected_user=world.pirna_official,
                     owner=world.coordinator, status="acknowledged", acknowledged_at=timezone.now())


@pytest.fixture
def new_case(world: World) -> Case:
    return make_case(municipality=world.pirna, reported_by=world.pirna_official, affected_user=world.pirna_official)


@pytest.fixture
def other(world: World) -> Case:
    """A second Pirna case both team personas can see (owned by the coordinator, PD Dresden's area)."""
    return make_case(municipality=world.pirna, owner=world.coordinator, status="acknowledged",
                     acknowledged_at=timezone.now())


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def _incident_form(case: Case) -> dict[str, Any]:
    from kommunalschutz.protection.cases.forms import IncidentForm

    data: dict[str, Any] = {}
    for name, value in IncidentForm.initial_for(case).items():
        if value is None or value is False:
            continue
        if isinstance(value, dt.datetime):
            data[name] = value.strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    data["description"] = "Zweiter Drohbrief, diesmal mit Foto des Hauses."
    return data


# action -> (who may, web request, API request, check that it happened)
Web = Callable[[Any, Case, World, Case], Any]
Api = Callable[[Any, Case, World, Case, dict[str, str]], Any]


def _post(client: Any, name: str, case: Case, data: dict[str, Any] | None = None, *extra: Any) -> Any:
    return client.post(reverse(name, args=[case.pk, *extra]), data or {})


def _api(client: Any, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers)


ACTIONS: dict[str, tuple[set[str], Web, Api, Callable[[Case, World], bool]]] = {
    "status": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_status", case, {"status-status": "assessment"}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/status", h, {"status": "assessment"}),
        lambda case, w: Case.objects.get(pk=case.pk).status == "assessment",
    ),
    "internal note": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_message", case,
                                    {"message-body": "Rückruf vereinbart", "message-kind": "internal"}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/messages", h,
                                      {"body": "Rückruf vereinbart", "kind": "internal"}),
        lambda case, w: CaseMessage.objects.filter(case=case, internal=True).exists(),
    ),
    "question to the reporter": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_message", case,
                                    {"message-body": "Wann genau?", "message-kind": "question"}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/messages", h,
                                      {"body": "Wann genau?", "kind": "question"}),
        lambda case, w: CaseMessage.objects.filter(case=case, is_question=True, internal=False).exists(),
    ),
    "reporter reply": (
        REPORTER,
        lambda c, case, w, o: _post(c, "cases:case_reply", case, {"reply-body": "Gestern gegen 22 Uhr."}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/messages", h, {"body": "Gestern gegen 22 Uhr."}),
        lambda case, w: CaseMessage.objects.filter(case=case, from_reporter=True).exists(),
    ),
    "task": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_task", case, {"task-title": "Anrufen", "task-due_on": _tomorrow(),
                                                                 "task-assignee": w.coordinator.pk}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/tasks", h,
                                      {"title": "Anrufen", "due_on": _tomorrow(), "assignee": w.coordinator.pk}),
        lambda case, w: CaseTask.objects.filter(case=case).exists(),
    ),
    "link": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_link", case, {"link-other": o.reference, "link-kind": "series"}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/links", h,
                                      {"other": o.reference, "kind": "series"}),
        lambda case, w: CaseLink.objects.filter(from_case=case).exists(),
    ),
    "add team member": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_team_add", case,
                                    {"team-user": w.lka_officer.pk, "team-function": "protection_officer"}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/team", h,
                                      {"user": w.lka_officer.pk, "function": "protection_officer"}),
        lambda case, w: CaseTeamMember.objects.filter(case=case, user=w.lka_officer).exists(),
    ),
    "assign owner": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_owner", case, {"owner-owner": w.dresden_police.pk}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/team", h,
                                      {"user": w.dresden_police.pk, "owner": True}),
        lambda case, w: Case.objects.get(pk=case.pk).owner_id == w.dresden_police.pk,
    ),
    "close": (
        TEAM,
        lambda c, case, w, o: _post(c, "cases:case_close", case, {"close-reason": "resolved"}),
        lambda c, case, w, o, h: _api(c, "post", f"/cases/{case.pk}/close", h, {"reason": "resolved"}),
        lambda case, w: Case.objects.get(pk=case.pk).status == "closed",
    ),
    "edit incident": (
        TEAM,
        lambda c, case, w, o: c.post(reverse("cases:incident_edit", args=[case.pk]), _incident_form(case)),
        lambda c, case, w, o, h: _api(c, "patch", f"/cases/{case.pk}", h,
                                      {"description": "Zweiter Drohbrief, diesmal mit Foto des Hauses."}),
        lambda case, w: Case.objects.get(pk=case.pk).description.startswith("Zweiter Drohbrief"),
    ),
}


def _writes() -> tuple[int, int]:
    return AuditEvent.objects.count(), CaseEvent.objects.count()


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_action_in_the_page(world: World, login: Any, case: Case, other: Case, persona: str, action: str) -> None:
    allowed, web, _api_call, happened = ACTIONS[action]
    client = login(getattr(world, persona))
    before = _writes()
    response = web(client, case, world, other)
    if persona in allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert happened(case, world)
    else:
        assert response.status_code == 404
        assert not happened(case, world)
        assert _writes() == before


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_action_in_the_api(world: World, client: Any, bearer: Any, case: Case, other: Case, persona: str,
                           action: str) -> None:
    allowed, _web, api, happened = ACTIONS[action]
    headers = bearer(getattr(world, persona))
    before = _writes()
    response = api(client, case, world, other, headers)
    if action == "reporter reply" and persona in TEAM:
        # One endpoint for both sides: the team's message goes to the reporter, it is not the reporter's.
        assert response.status_code == 201
        assert response.json()["from_reporter"] is False and not happened(case, world)
    elif persona in allowed:
        assert response.status_code in {200, 201}, response.content.decode()[:2000]
        assert happened(case, world)
    else:
        assert response.status_code == 404
        assert not happened(case, world)
        assert _writes() == before


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_case_page_and_api_read(world: World, login: Any, client: Any, bearer: Any, case: Case,
                                persona: str) -> None:
    user = getattr(world, persona)
    expected = 200 if persona in TEAM | REPORTER else 404
    assert _api(client, "get", f"/cases/{case.pk}", bearer(user)).status_code == expected
    assert _api(client, "get", f"/cases/{case.pk}/messages", bearer(user)).status_code == expected
    tasks = _api(client, "get", f"/cases/{case.pk}/tasks", bearer(user)).status_code
    assert tasks == (200 if persona in TEAM else 404)
    page = login(user).get(reverse("cases:case_detail", args=[case.pk]))
    assert page.status_code == expected


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_acknowledge(world: World, login: Any, client: Any, bearer: Any, new_case: Case, persona: str) -> None:
    """The coordinators' intake queue and the responsible police take a new case; nobody else can."""
    user = getattr(world, persona)
    allowed = persona in TEAM
    response = login(user).post(reverse("cases:case_acknowledge", args=[new_case.pk]))
    assert response.status_code == (302 if allowed else 404)
    fresh = Case.objects.get(pk=new_case.pk)
    if allowed:
        assert fresh.status == "acknowledged" and fresh.owner_id == user.pk and fresh.acknowledged_at
        assert fresh.statistic.acknowledgement_minutes is not None
        # The API says so: it is taken already.
        again = _api(client, "post", f"/cases/{new_case.pk}/acknowledge", bearer(user))
        assert again.status_code in {404, 422}
    else:
        assert fresh.status == "new" and fresh.owner_id is None
        assert _api(client, "post", f"/cases/{new_case.pk}/acknowledge", bearer(user)).status_code == 404


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_reopen_and_task_done(world: World, login: Any, client: Any, bearer: Any, case: Case,
                              persona: str) -> None:
    from kommunalschutz.protection.cases import case_tasks, workflow

    task = case_tasks.add_task(actor=world.coordinator, case=case, title="Anrufen",
                               due_on=timezone.localdate() + dt.timedelta(days=3))
    user = getattr(world, persona)
    allowed = persona in TEAM
    web = login(user)
    assert web.post(reverse("cases:case_task_done", args=[case.pk, task.pk])).status_code == (302 if allowed else 404)
    assert (CaseTask.objects.get(pk=task.pk).done_at is not None) == allowed
    workflow.close_case(actor=world.coordinator, case=case, reason="resolved")
    response = _api(client, "post", f"/cases/{case.pk}/reopen", bearer(user), {"reason": "Neuer Brief"})
    assert response.status_code == (200 if allowed else 404)
    assert (Case.objects.get(pk=case.pk).status == "acknowledged") == allowed


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_caseload_pages_and_api(world: World, login: Any, client: Any, bearer: Any, case: Case, persona: str) -> None:
    user = getattr(world, persona)
    may = persona in {"coordinator", "dresden_police", "lka_officer"}
    web = login(user)
    for name in ("cases:case_list", "cases:dashboard"):
        assert web.get(reverse(name)).status_code == (200 if may else 404)
    assert _api(client, "get", "/cases", bearer(user)).status_code == (200 if may else 404)
    reporter = persona in {"pirna_official", "pirna_coordinator", "plauen_coordinator", "coordinator",
                           "dresden_police"}
    assert web.get(reverse("cases:my_reports")).status_code == (200 if reporter else 404)
    assert web.get(reverse("cases:notifications")).status_code == 200
    assert _api(client, "get", "/notifications", bearer(user)).status_code == 200
