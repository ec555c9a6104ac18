"""Projects follow the seven Beccaria steps; plan against actual with deviations in days and in euros."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from kommunalschutz.alliance.councils import services
from kommunalschutz.alliance.councils.models import CouncilProject, PreventionCouncil
from tests.conftest import World


def _project(world: World, council: PreventionCouncil) -> CouncilProject:
    project = services.create_project(
        actor=world.pirna_coordinator, council=council, title="Sicherer Schulweg", status="running",
        planned_start=dt.date(2022, 3, 1), planned_end=dt.date(2022, 12, 31), actual_start=dt.date(2022, 3, 15),
        planned_budget=Decimal("10000.00"), actual_costs=Decimal("11500.00"),
        problem_description="Unfälle und Belästigungen auf dem Schulweg", goals="Weniger Vorfälle",
    )
    done = services.add_milestone(actor=world.pirna_coordinator, project=project, title="Befragung",
                                  planned_on=dt.date(2022, 4, 30))
    services.record_milestone(actor=world.pirna_coordinator, milestone=done, achieved_on=dt.date(2022, 5, 10))
    services.add_milestone(actor=world.pirna_coordinator, project=project, title="Elternabend",
                           planned_on=dt.date(2022, 6, 1))
    return project


def test_project_page_shows_seven_steps_and_plan_against_actual(
    world: World, login: Any, pirna_council: PreventionCouncil
) -> None:
    project = _project(world, pirna_council)
    response = login(world.dresden_police).get(reverse("councils:project_detail", args=[project.pk]))
    assert response.status_code == 200
    assert len(response.context["steps"]) == 7
    rows = {row.label: row for row in response.context["plan_rows"]}
    assert rows["Projektbeginn"].deviation_days == 14
    assert rows["Befragung"].deviation_days == 10
    assert rows["Elternabend"].deviation_days is None and rows["Elternabend"].overdue
    assert response.context["budget_difference"] == Decimal("1500.00")
    assert response.context["budget_percent"] == Decimal("15.0")
    body = response.content.decode()
    assert "Unfälle und Belästigungen auf dem Schulweg" in body and "+14" in body and "+15,0 %" in body
    # The police reads but gets no edit links.
    assert reverse("councils:project_edit", args=[project.pk]) not in body


def test_completing_a_project_needs_its_actual_end(world: World, pirna_council: PreventionCouncil) -> None:
    from django.core.exceptions import ValidationError

    project = _project(world, pirna_council)
    try:
        services.update_project(actor=world.pirna_coordinator, project=project, status="completed")
    except ValidationError as exc:
        assert "actual_end" in exc.message_dict
    else:
        raise AssertionError("completed without an actual end")
    project.refresh_from_db()
    assert project.status == "running"
    services.update_project(actor=world.pirna_coordinator, project=project, status="completed",
                            actual_end=dt.date(2023, 1, 20), evaluation="Ziele erreicht.")
    project.refresh_from_db()
    assert project.status == "completed" and project.evaluation == "Ziele erreicht."


def test_project_form_edits_the_beccaria_steps(world: World, login: Any, pirna_council: PreventionCouncil) -> None:
    project = _project(world, pirna_council)
    client = login(world.pirna_coordinator)
    url = reverse("councils:project_edit", args=[project.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data.update(cause_analysis="Unübersichtliche Kreuzung", status="running")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    project.refresh_from_db()
    assert project.cause_analysis == "Unübersichtliche Kreuzung"
    assert project.problem_description == "Unfälle und Belästigungen auf dem Schulweg"


def test_working_group_of_another_council_is_refused(
    world: World, pirna_council: PreventionCouncil, plauen_council: PreventionCouncil
) -> None:
    from django.core.exceptions import ValidationError

    group = services.create_working_group(actor=world.coordinator, council=plauen_council, name="AG Plauen")
    try:
        services.create_project(actor=world.coordinator, council=pirna_council, title="P", working_group=group)
    except ValidationError as exc:
        assert "working_group" in exc.message_dict
    else:
        raise AssertionError("accepted a working group of another council")
    assert not CouncilProject.objects.exists()
