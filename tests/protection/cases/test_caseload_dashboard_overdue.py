"""The caseload list (filters, no free text), the intake dashboard and the overdue notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.protection.cases import case_tasks, workflow
from kommunalschutz.protection.cases.models import Case, Notification
from kommunalschutz.protection.cases.overdue import notify_overdue_acknowledgements
from tests.conftest import World
from tests.protection.cases.conftest import Cases, make_case


def test_caseload_shows_no_free_text_and_filters(world: World, cases: Cases, login: Any) -> None:
    secret = "Geheimer Vorfallstext"
    overdue = make_case(municipality=world.pirna, description=secret, affected_name="Frau Geheim", is_acute=True,
                        acknowledgement_due_at=timezone.now() - dt.timedelta(hours=2))
    web = login(world.coordinator)
    page = web.get(reverse("cases:case_list"))
    html = page.content.decode()
    assert secret not in html and "Frau Geheim" not in html and "Drohbrief" not in html
    assert {c.pk for c in page.context["page"]} == {cases.reported.pk, cases.queue.pk, overdue.pk}

    def listed(**query: str) -> set[int]:
        return {c.pk for c in web.get(reverse("cases:case_list"), query).context["page"]}

    assert listed(acute="on") == {overdue.pk}
    assert listed(overdue="on") == {overdue.pk}
    assert listed(unacknowledged="on") == {cases.queue.pk, overdue.pk}
    assert listed(mine="on") == {cases.reported.pk}
    assert listed(status="acknowledged") == {cases.reported.pk}
    assert "case-overdue" in html


def test_the_dashboard_lists_overdue_first_acute_and_tasks(world: World, cases: Cases, login: Any) -> None:
    late = make_case(municipality=world.pirna, acknowledgement_due_at=timezone.now() - dt.timedelta(minutes=5))
    acute = make_case(municipality=world.pirna, is_acute=True, owner=world.dresden_police, status="acknowledged",
                      acknowledged_at=timezone.now())
    case_tasks.add_task(actor=world.coordinator, case=cases.reported, title="Rückruf",
                        due_on=timezone.localdate() + dt.timedelta(days=3))
    case_tasks.add_task(actor=world.coordinator, case=cases.reported, title="Später",
                        due_on=timezone.localdate() + dt.timedelta(days=30))
    context = login(world.dresden_police).get(reverse("cases:dashboard")).context
    assert context["unacknowledged"][0].pk == late.pk
    assert context["unacknowledged"][0].overdue
    assert [c.pk for c in context["acute"]] == [acute.pk]
    assert len(context["tasks"]) == 1
    assert context["counts"]["overdue"] == 1


def test_newly_overdue_acknowledgements_are_notified_once(world: World, cases: Cases) -> None:
    late = make_case(municipality=world.pirna, acknowledgement_due_at=timezone.now() - dt.timedelta(minutes=1))
    make_case(municipality=world.pirna, acknowledgement_due_at=timezone.now() + dt.timedelta(hours=1))
    taken = make_case(municipality=world.pirna, acknowledgement_due_at=timezone.now() - dt.timedelta(minutes=1))
    workflow.acknowledge(actor=world.coordinator, case=taken)

    assert notify_overdue_acknowledgements() == 1
    recipients = set(Notification.objects.filter(case=late).values_list("user__username", flat=True))
    assert recipients == {"coordinator", "dresden_police"}
    assert Case.objects.get(pk=late.pk).overdue_notified_at is not None
    assert {m.to[0] for m in mail.outbox} == {world.coordinator.email, world.dresden_police.email}
    assert all("Drohbrief" not in m.body for m in mail.outbox)
    assert notify_overdue_acknowledgements() == 0  # once per case
    assert Notification.objects.filter(case=late).count() == 2


def test_the_periodic_task_runs_the_service(world: World) -> None:
    from kommunalschutz.protection.cases.tasks import notify_overdue_acknowledgements

    make_case(municipality=world.plauen, acknowledgement_due_at=timezone.now() - dt.timedelta(minutes=1))
    assert notify_overdue_acknowledgements.call_local() == 1
