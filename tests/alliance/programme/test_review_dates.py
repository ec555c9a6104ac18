"""Agreed review dates: added, completed with an outcome; dates out of order are refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.alliance.programme import agreements
from kommunalschutz.alliance.programme.models import AgreementReview
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.programme.conftest import draft

D = dt.date
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def signed(world: Any) -> Any:
    return agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))


def test_a_review_is_agreed_and_completed(world: Any, signed: Any) -> None:
    review = agreements.add_review(actor=world.coordinator, agreement=signed, due_on=D(2022, 6, 25))
    agreements.complete_review(actor=world.coordinator, review=review, completed_on=D(2022, 7, 1),
                               outcome="Maßnahmen 1-3 umgesetzt, Maßnahme 4 verschoben.")
    review.refresh_from_db()
    assert review.completed_on == D(2022, 7, 1) and review.outcome.startswith("Maßnahmen")
    assert AuditEvent.objects.filter(object_type="alliance.agreementreview").count() == 2


def test_a_review_before_the_signing_is_refused(world: Any, signed: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        agreements.add_review(actor=world.coordinator, agreement=signed, due_on=D(2021, 6, 24))
    assert "before the agreement was signed" in caught.value.message_dict["due_on"][0]
    assert not AgreementReview.objects.exists()


@pytest.mark.parametrize(("completed_on", "outcome", "field"), [
    (D(2021, 6, 1), "Ergebnis", "completed_on"),
    (timezone.localdate() + dt.timedelta(days=1), "Ergebnis", "completed_on"),
    (D(2022, 7, 1), "  ", "outcome"),
])
def test_completing_with_bad_input_is_refused(world: Any, signed: Any, completed_on: dt.date, outcome: str,
                                              field: str) -> None:
    review = agreements.add_review(actor=world.coordinator, agreement=signed, due_on=D(2022, 6, 25))
    with pytest.raises(ValidationError) as caught:
        agreements.complete_review(actor=world.coordinator, review=review, completed_on=completed_on, outcome=outcome)
    assert field in caught.value.message_dict
    review.refresh_from_db()
    assert review.completed_on is None and review.outcome == ""


def test_the_review_form_shows_the_error_and_saves_nothing(world: Any, signed: Any, login: Any) -> None:
    response = login(world.coordinator).post(reverse("alliance:review_add", args=[signed.pk]),
                                             {"due_on": "2020-01-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["due_on"]
    assert not AgreementReview.objects.exists()


def test_the_review_pages_complete_a_review(world: Any, signed: Any, login: Any) -> None:
    client = login(world.coordinator)
    assert client.post(reverse("alliance:review_add", args=[signed.pk]), {"due_on": "2022-06-25"}).status_code == 302
    review = AgreementReview.objects.get()
    response = client.post(reverse("alliance:review_complete", args=[review.pk]),
                           {"completed_on": "2022-06-30", "outcome": "Alles umgesetzt."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.outcome == "Alles umgesetzt."
    assert login(world.pirna_coordinator).get(
        reverse("alliance:review_complete", args=[review.pk])).status_code == 404


def test_due_and_overdue_reviews_appear_on_the_coordinators_list(world: Any, signed: Any, login: Any) -> None:
    today = timezone.localdate()
    agreements.add_review(actor=world.coordinator, agreement=signed, due_on=today - dt.timedelta(days=3))
    agreements.add_review(actor=world.coordinator, agreement=signed, due_on=today + dt.timedelta(days=5))
    agreements.add_review(actor=world.coordinator, agreement=signed, due_on=today + dt.timedelta(days=200))
    reviews = login(world.coordinator).get(reverse("alliance:record_list")).context["reviews"]
    assert [r.due_on for r in reviews] == [today - dt.timedelta(days=3), today + dt.timedelta(days=5)]
    assert login(world.pirna_coordinator).get(reverse("alliance:record_list")).context["reviews"] == []
