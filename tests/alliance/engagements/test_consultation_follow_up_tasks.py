"""Consultations: participating organisations, outcome, follow-up tasks with due dates (overdue flagged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.alliance.engagements import consultations
from kommunalschutz.alliance.engagements.models import Consultation, FollowUpTask
from tests.alliance.engagements.conftest import consultation
from tests.conftest import World


def test_coordinator_records_a_consultation_with_organisations(contacted: World, login: Any) -> None:
    client = login(contacted.coordinator)
    response = client.post(reverse("engagements:engagement_create", args=["beratung"]), {
        "municipality": contacted.pirna.ags, "title": "Beratung Förderung", "status": "completed",
        "started_on": "2021-09-01", "topics": "Förderrichtlinie",
        "participating_organisations": [contacted.pirna_org.pk, contacted.dresden_pd_org.pk],
        "outcome": "Antrag wird vorbereitet"})
    assert response.status_code == 302
    created = Consultation.objects.get()
    assert set(created.participating_organisations.all()) == {contacted.pirna_org, contacted.dresden_pd_org}
    page = client.get(response["Location"]).content.decode()
    assert "Antrag wird vorbereitet" in page and "PD Dresden" in page


def test_tasks_are_added_completed_and_overdue_ones_flagged(contacted: World, login: Any) -> None:
    held = consultation(contacted, on=dt.date(2021, 5, 4))
    client = login(contacted.coordinator)
    url = reverse("engagements:task_add", args=[held.pk])
    assert client.post(url, {"title": "Fördermittel prüfen", "due_on": "2021-06-01"}).status_code == 302
    # in the future, within the plausible range of a date (ten years ahead, decision 0017)
    later = {"title": "Termin mit PD", "due_on": (timezone.localdate() + dt.timedelta(days=365)).isoformat(),
             "assignee": "Frau K."}
    assert client.post(url, later).status_code == 302
    overdue = FollowUpTask.objects.order_by("due_on").first()
    assert overdue is not None
    page = client.get(reverse("engagements:engagement_detail", args=[held.pk]))
    assert page.content.decode().count('class="flag"') == 1
    response = client.post(reverse("engagements:task_complete", args=[held.pk, overdue.pk]))
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.completed_on is not None
    page = client.get(reverse("engagements:engagement_detail", args=[held.pk]))
    assert 'class="flag"' not in page.content.decode()


def test_task_due_before_the_consultation_is_refused(contacted: World, login: Any) -> None:
    held = consultation(contacted, on=dt.date(2021, 5, 4))
    client = login(contacted.coordinator)
    response = client.post(reverse("engagements:task_add", args=[held.pk]),
                           {"title": "Zu früh", "due_on": "2021-05-01"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"due_on"}
    assert not FollowUpTask.objects.exists()


def test_consultation_needs_topics(contacted: World) -> None:
    with pytest.raises(ValidationError) as raised:
        consultations.create_consultation(actor=contacted.coordinator, municipality=contacted.pirna, title="Leer",
                                          started_on=dt.date(2021, 5, 4), topics=" ")
    assert set(raised.value.error_dict) == {"topics"}
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("persona", ["pirna_coordinator", "dresden_police"])
def test_readers_cannot_add_or_complete_tasks(contacted: World, login: Any, persona: str) -> None:
    held = consultation(contacted)
    task = consultations.add_follow_up_task(actor=contacted.coordinator, consultation=held, title="A",
                                            due_on=dt.date(2021, 6, 1))
    client = login(getattr(contacted, persona))
    assert client.get(reverse("engagements:engagement_detail", args=[held.pk])).status_code == 200
    assert client.post(reverse("engagements:task_add", args=[held.pk]),
                       {"title": "B", "due_on": "2021-07-01"}).status_code == 404
    assert client.post(reverse("engagements:task_complete", args=[held.pk, task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.completed_on is None and FollowUpTask.objects.count() == 1
