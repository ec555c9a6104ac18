"""The dashboard's operational lists: what is due or overdue, and nothing that is done or far off."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kommunalschutz.alliance.engagements.models import (
    AnalysisPhase,
    Consultation,
    FollowUpTask,
    FundingApplication,
    SecurityAnalysis,
)
from kommunalschutz.alliance.programme.models import AgreementReview
from tests.alliance.insights.conftest import agreement, engagement, programme
from tests.conftest import World
from tests.factories import MunicipalityFactory

URL = reverse("insights:dashboard")


def _days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def make_open_work(world: World, suffix: str = "") -> None:
    """One due and one not-due item of every list, for a fresh municipality."""
    town = MunicipalityFactory.create(district=world.soe)
    signed = agreement(town, _days(-400), title=f"Vereinbarung{suffix}")
    AgreementReview.objects.create(agreement=signed, due_on=_days(-3))
    AgreementReview.objects.create(agreement=signed, due_on=_days(20))
    AgreementReview.objects.create(agreement=signed, due_on=_days(45))  # not yet
    AgreementReview.objects.create(agreement=signed, due_on=_days(-30), completed_on=_days(-29))  # done

    analysis = SecurityAnalysis.objects.create(engagement=engagement(town, "security_analysis", _days(-200),
                                                                     title=f"Analyse{suffix}"))
    AnalysisPhase.objects.create(analysis=analysis, phase="kick_off", planned_start=_days(-200),
                                 planned_end=_days(-190), actual_end=_days(-189))
    AnalysisPhase.objects.create(analysis=analysis, phase="fieldwork", planned_start=_days(-60),
                                 planned_end=_days(-5))
    AnalysisPhase.objects.create(analysis=analysis, phase="analysis", planned_start=_days(-5), planned_end=_days(30))

    consultation = Consultation.objects.create(engagement=engagement(town, "consultation", _days(-100),
                                                                     title=f"Beratung{suffix}"), topics="KPR")
    FollowUpTask.objects.create(consultation=consultation, title=f"Protokoll senden{suffix}", due_on=_days(-2))
    FollowUpTask.objects.create(consultation=consultation, title=f"Erledigt{suffix}", due_on=_days(-9),
                                completed_on=_days(-8))
    FollowUpTask.objects.create(consultation=consultation, title=f"Später{suffix}", due_on=_days(9))

    for decision in ("pending", "approved"):
        FundingApplication.objects.create(
            engagement=engagement(town, "funding", _days(-50)), funding_year=timezone.localdate().year + 1,
            project_title=f"Projekt {decision}{suffix}", total_costs=Decimal("10000"),
            requested_amount=Decimal("9000"), submitted_on=_days(-50), prior_consultation=consultation,
            decision=decision)


def test_each_list_shows_what_is_due_and_nothing_else(login: Any, world: World) -> None:
    make_open_work(world)
    response = login(world.coordinator).get(URL)
    reviews, phases, tasks = (list(response.context[name]) for name in ("reviews", "phases", "tasks"))
    assert [(item["review"].due_on, item["overdue"]) for item in reviews] == [(_days(-3), True), (_days(20), False)]
    assert [item["phase"].phase for item in phases] == [AnalysisPhase.Phase.FIELDWORK]
    assert [item["task"].title for item in tasks] == ["Protokoll senden"]
    assert [item["application"].project_title for item in response.context["applications"]] == ["Projekt pending"]
    html = response.content.decode()
    assert "Protokoll senden" in html and "Projekt pending" in html and "Projekt approved" not in html


def test_figures_show_the_change_over_twelve_months(login: Any, world: World) -> None:
    programme()
    engagement(world.pirna, "consultation", _days(-500))
    engagement(world.pirna, "consultation", _days(-100))
    engagement(world.pirna, "consultation", _days(-1))
    response = login(world.coordinator).get(URL)
    consultations = next(row for row in response.context["figures"] if row["name"] == "consultations")
    assert (consultations["value"], consultations["change"]) == (3, 2)


def test_dashboard_queries_do_not_grow_with_the_lists(login: Any, world: World,
                                                      django_assert_max_num_queries: Any) -> None:
    programme()
    client = login(world.coordinator)
    make_open_work(world, " 1")
    client.get(URL)  # warm the chart cache and the session
    with django_assert_max_num_queries(22) as few:
        client.get(URL)
    for n in range(2, 7):
        make_open_work(world, f" {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["tasks"]) == 6
