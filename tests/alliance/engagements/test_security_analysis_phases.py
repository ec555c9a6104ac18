"""Security analyses: a default plan of 20 weeks from the kick-off, actual dates, overdue phases flagged."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.alliance.engagements import analyses, common
from kommunalschutz.alliance.engagements.models import AnalysisPhase
from tests.alliance.engagements.conftest import analysis
from tests.conftest import World


def test_default_plan_covers_every_phase_in_twenty_weeks(contacted: World) -> None:
    kick_off = dt.date(2022, 1, 10)
    created = analysis(contacted, on=kick_off)
    phases = list(created.phases.order_by("planned_start"))
    assert [p.phase for p in phases] == list(AnalysisPhase.Phase.values)
    assert phases[0].planned_start == kick_off
    assert phases[-1].planned_end == kick_off + dt.timedelta(weeks=20) - dt.timedelta(days=1)
    for earlier, later in itertools.pairwise(phases):
        assert later.planned_start == earlier.planned_end + dt.timedelta(days=1)


def test_phase_past_its_planned_end_is_flagged_and_filtered(contacted: World, login: Any) -> None:
    late = analysis(contacted, on=dt.date(2022, 1, 10))
    recent = analysis(contacted, contacted.plauen, on=timezone.localdate())
    client = login(contacted.coordinator)
    page = client.get(reverse("engagements:engagement_detail", args=[late.pk])).content.decode()
    assert page.count('class="overdue"') == len(AnalysisPhase.Phase.values)
    response = client.get(reverse("engagements:engagement_list"), {"overdue": "on"})
    assert [e.pk for e in response.context["page"]] == [late.pk]
    assert recent.pk not in [e.pk for e in response.context["page"]]


def test_recording_actual_dates_clears_the_flag(contacted: World, login: Any) -> None:
    created = analysis(contacted, on=dt.date(2022, 1, 10))
    kick_off = created.phases.get(phase="kick_off")
    client = login(contacted.coordinator)
    response = client.post(reverse("engagements:phase_edit", args=[created.pk, kick_off.pk]), {
        "planned_start": "2022-01-10", "planned_end": "2022-01-16",
        "actual_start": "2022-01-10", "actual_end": "2022-01-20"})
    assert response.status_code == 302
    page = client.get(reverse("engagements:engagement_detail", args=[created.pk])).content.decode()
    assert page.count('class="overdue"') == len(AnalysisPhase.Phase.values) - 1


def test_completed_analysis_is_not_overdue(contacted: World, login: Any) -> None:
    created = analysis(contacted, on=dt.date(2022, 1, 10))
    common.update_engagement(actor=contacted.coordinator, engagement=created.engagement, status="completed")
    response = login(contacted.coordinator).get(
        reverse("engagements:engagement_list"), {"overdue": "on"})
    assert response.context["page"].paginator.count == 0


def test_phase_ending_before_it_starts_is_refused(contacted: World) -> None:
    phase = analysis(contacted).phases.get(phase="analysis")
    with pytest.raises(ValidationError) as raised:
        analyses.record_phase_dates(actor=contacted.coordinator, phase=phase, actual_start=dt.date(2022, 5, 1),
                                    actual_end=dt.date(2022, 4, 1))
    assert set(raised.value.error_dict) == {"actual_end"}
    phase.refresh_from_db()
    assert phase.actual_start is None


def test_police_reads_the_analysis_but_cannot_record_dates(contacted: World, login: Any) -> None:
    created = analysis(contacted)
    phase = created.phases.first()
    assert phase is not None
    client = login(contacted.dresden_police)
    assert client.get(reverse("engagements:engagement_detail", args=[created.pk])).status_code == 200
    assert client.post(reverse("engagements:phase_edit", args=[created.pk, phase.pk]), {
        "planned_start": "2022-01-10", "planned_end": "2022-01-16", "actual_start": "2022-01-10"}).status_code == 404
    phase.refresh_from_db()
    assert phase.actual_start is None
