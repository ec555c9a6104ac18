"""Funding applications: own share at least 10 %, the application window, a prior consultation, the decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.engagements.funding import decide_funding, report_use_of_funds
from kommunalschutz.alliance.engagements.models import Engagement, FundingApplication
from tests.alliance.engagements.conftest import consultation, funding
from tests.conftest import World


def _refused(world: World, field: str, **overrides: Any) -> None:
    prior = overrides.pop("prior", None) or consultation(world)
    engagements = Engagement.objects.count()
    with pytest.raises(ValidationError) as raised:
        funding(world, prior, **overrides)
    assert field in raised.value.error_dict, raised.value.error_dict
    assert Engagement.objects.count() == engagements
    assert not FundingApplication.objects.exists()


def test_valid_application_is_dated_by_its_submission(contacted: World) -> None:
    application = funding(contacted, consultation(contacted))
    assert application.engagement.started_on == dt.date(2021, 9, 15)
    assert application.engagement.title == "Sicherer Bahnhofsvorplatz"


def test_own_share_below_ten_percent_is_refused(contacted: World) -> None:
    _refused(contacted, "requested_amount", total_costs=Decimal("20000"), requested_amount=Decimal("18000.01"))


def test_own_share_of_exactly_ten_percent_is_accepted(contacted: World) -> None:
    funding(contacted, consultation(contacted), total_costs=Decimal("1000"), requested_amount=Decimal("900"),
            in_kind_contribution=Decimal("100"))


def test_in_kind_part_cannot_exceed_the_own_share(contacted: World) -> None:
    _refused(contacted, "in_kind_contribution", in_kind_contribution=Decimal("2000.01"))


@pytest.mark.parametrize("submitted_on", [dt.date(2021, 8, 30), dt.date(2021, 10, 16), dt.date(2020, 9, 15)])
def test_submission_outside_the_window_is_refused(contacted: World, submitted_on: dt.date) -> None:
    _refused(contacted, "submitted_on", submitted_on=submitted_on)


@pytest.mark.parametrize("submitted_on", [dt.date(2021, 8, 31), dt.date(2021, 10, 15)])
def test_first_and_last_day_of_the_window_are_accepted(contacted: World, submitted_on: dt.date) -> None:
    funding(contacted, consultation(contacted), submitted_on=submitted_on)


def test_application_without_prior_consultation_is_refused(contacted: World) -> None:
    engagements = Engagement.objects.count()
    with pytest.raises(ValidationError) as raised:
        funding(contacted, None)  # type: ignore[arg-type]  # deliberately without the prior consultation
    assert set(raised.value.error_dict) == {"prior_consultation"}
    assert Engagement.objects.count() == engagements


def test_consultation_after_the_submission_does_not_count(contacted: World) -> None:
    _refused(contacted, "prior_consultation", prior=consultation(contacted, on=dt.date(2021, 9, 20)))


def test_consultation_of_another_municipality_does_not_count(contacted: World) -> None:
    _refused(contacted, "prior_consultation", prior=consultation(contacted, contacted.plauen))


def test_form_shows_the_errors_by_field_and_saves_nothing(contacted: World, login: Any) -> None:
    prior = consultation(contacted)
    client = login(contacted.coordinator)
    engagements = Engagement.objects.count()
    response = client.post(reverse("engagements:engagement_create", args=["foerderung"]), {
        "municipality": contacted.pirna.ags, "status": "active", "funding_year": 2022,
        "project_title": "Projekt", "total_costs": "10000", "requested_amount": "9500",
        "submitted_on": "2021-11-01", "prior_consultation": prior.pk})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"requested_amount", "submitted_on"}
    assert Engagement.objects.count() == engagements


def test_detail_shows_own_share_and_funding_rate(contacted: World, login: Any) -> None:
    application = funding(contacted, consultation(contacted))
    response = login(contacted.coordinator).get(
        reverse("engagements:engagement_detail", args=[application.pk]))
    assert response.context["figures"]["own_share"] == Decimal("2000.00")
    assert response.context["figures"]["funding_rate"] == Decimal("90.0")
    assert "Bahnhof" in response.content.decode()


def test_approved_amount_cannot_exceed_the_requested_amount(contacted: World) -> None:
    application = funding(contacted, consultation(contacted))
    with pytest.raises(ValidationError) as raised:
        decide_funding(actor=contacted.coordinator, application=application, decision="approved",
                       decided_on=dt.date(2021, 12, 1), approved_amount=Decimal("18000.01"))
    assert set(raised.value.error_dict) == {"approved_amount"}
    application.refresh_from_db()
    assert application.decision == "pending"
    decide_funding(actor=contacted.coordinator, application=application, decision="approved",
                   decided_on=dt.date(2021, 12, 1), approved_amount=Decimal("15000"))
    report_use_of_funds(actor=contacted.coordinator, application=application, report="Verwendet",
                        submitted_on=dt.date(2023, 3, 1))
    application.refresh_from_db()
    assert application.approved_amount == Decimal("15000") and application.report_submitted_on == dt.date(2023, 3, 1)


def test_decision_and_report_pages(contacted: World, login: Any) -> None:
    application = funding(contacted, consultation(contacted))
    client = login(contacted.coordinator)
    assert client.post(reverse("engagements:funding_report", args=[application.pk]), {
        "use_of_funds_report": "x", "report_submitted_on": "2022-01-01"}).status_code == 400
    assert client.post(reverse("engagements:funding_decide", args=[application.pk]), {
        "decision": "approved", "decided_on": "2021-12-01", "approved_amount": "16000"}).status_code == 302
    assert client.post(reverse("engagements:funding_report", args=[application.pk]), {
        "use_of_funds_report": "Alles verwendet", "report_submitted_on": "2023-01-01"}).status_code == 302
    application.refresh_from_db()
    assert application.decision == "approved" and application.use_of_funds_report == "Alles verwendet"
