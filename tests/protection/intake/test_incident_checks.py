"""Every incident check answers at its field and saves nothing (cases, statistics, timeline, audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases import incidents
from kommunalschutz.protection.cases.models import Case, CaseEvent, IncidentStatistic
from kommunalschutz.protection.intake import reporting
from tests.factories import DistrictFactory, MunicipalityFactory


def _counts() -> tuple[int, int, int, int]:
    return (Case.objects.count(), IncidentStatistic.objects.count(), CaseEvent.objects.count(),
            AuditEvent.objects.count())


def _errors(world: Any, data: dict[str, Any], **kwargs: Any) -> dict[str, list[str]]:
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        reporting.create_case(actor=world.pirna_official, data=data, intake=kwargs.pop("intake", "self"), **kwargs)
    assert _counts() == before
    return caught.value.message_dict


def test_a_valid_report_is_stored_with_its_values(world: Any, report_data: dict[str, Any]) -> None:
    case = reporting.create_case(actor=world.pirna_official, data=report_data, intake="self",
                                 affected_user=world.pirna_official)
    case.refresh_from_db()
    assert case.description == report_data["description"]
    assert case.incident_types == ["threat", "hate_mail"]
    assert case.reference.startswith(f"{timezone.localdate().year}-")
    assert (case.district, case.police_directorate) == (world.soe, world.dresden_pd)


def test_an_empty_report_names_every_required_field(world: Any) -> None:
    errors = _errors(world, {})
    assert set(errors) >= {"description", "incident_types", "occurred_at", "municipality", "place", "channel",
                           "affected_role"}


def test_blank_description_is_refused(world: Any, report_data: dict[str, Any]) -> None:
    assert "description" in _errors(world, {**report_data, "description": "   \n "})


def test_too_long_free_text_is_refused(world: Any, report_data: dict[str, Any]) -> None:
    errors = _errors(world, {**report_data, "description": "x" * 20_001, "affected_name": "n" * 301})
    assert set(errors) == {"description", "affected_name"}


def test_unknown_and_duplicate_types(world: Any, report_data: dict[str, Any]) -> None:
    assert "witchcraft" in " ".join(_errors(world, {**report_data, "incident_types": ["threat", "witchcraft"]})[
        "incident_types"])
    assert _errors(world, {**report_data, "incident_types": ["threat", "threat"]})["incident_types"]


def test_future_time_and_period_are_refused(world: Any, report_data: dict[str, Any]) -> None:
    future = timezone.now() + dt.timedelta(hours=2)
    assert "occurred_at" in _errors(world, {**report_data, "occurred_at": future})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    errors = _errors(world, {**report_data, "occurred_at": None, "period_start": tomorrow, "period_end": tomorrow})
    assert set(errors) == {"period_start", "period_end"}


def test_period_reversed_and_both_kinds_of_when(world: Any, report_data: dict[str, Any]) -> None:
    today = timezone.localdate()
    errors = _errors(world, {**report_data, "occurred_at": None, "period_start": today,
                             "period_end": today - dt.timedelta(days=3)})
    assert list(errors) == ["period_end"]
    both = _errors(world, {**report_data, "period_start": today - dt.timedelta(days=3)})
    assert list(both) == ["occurred_at"]


def test_an_ongoing_period_is_accepted(world: Any, report_data: dict[str, Any]) -> None:
    start = timezone.localdate() - dt.timedelta(days=30)
    case = reporting.create_case(actor=world.pirna_official, data={**report_data, "occurred_at": None,
                                                                   "period_start": start}, intake="self")
    assert (case.period_start, case.period_end, case.occurred_at) == (start, None, None)


def test_municipality_outside_saxony_or_dissolved(world: Any, report_data: dict[str, Any]) -> None:
    bavaria = MunicipalityFactory.create(ags="09162000", land="09", district=DistrictFactory.create(ags="09162",
                                                                                                    land="09"))
    assert "municipality" in _errors(world, {**report_data, "municipality": bavaria.pk})
    merged = MunicipalityFactory.create(ags="14628999", district=world.soe, valid_until=dt.date(2020, 1, 1))
    assert "municipality" in _errors(world, {**report_data, "municipality": merged.pk})
    assert "municipality" in _errors(world, {**report_data, "municipality": 999_999})


def test_social_media_needs_the_platform(world: Any, report_data: dict[str, Any]) -> None:
    assert list(_errors(world, {**report_data, "channel": "social_media"})) == ["platform"]
    case = reporting.create_case(actor=world.pirna_official,
                                 data={**report_data, "channel": "social_media", "platform": "Telegram"},
                                 intake="self")
    assert case.platform == "Telegram"


def test_unknown_choices_are_refused(world: Any, report_data: dict[str, Any]) -> None:
    errors = _errors(world, {**report_data, "place": "moon", "channel": "pigeon", "affected_role": "king",
                             "urgency": "panic", "politically_motivated": "maybe", "perpetrator_kind": "ghost"})
    assert set(errors) == {"place", "channel", "affected_role", "urgency", "politically_motivated",
                           "perpetrator_kind"}


def test_complaint_details_need_a_filed_complaint(world: Any, report_data: dict[str, Any]) -> None:
    assert list(_errors(world, {**report_data, "complaint_file_number": "AZ 123/26"})) == ["complaint_file_number"]
    case = reporting.create_case(actor=world.pirna_official, data={
        **report_data, "complaint_filed": True, "complaint_file_number": "AZ 123/26",
        "complaint_police_station": "Polizeirevier Pirna"}, intake="self")
    assert case.complaint_file_number == "AZ 123/26"


def test_on_behalf_needs_name_and_contact(world: Any, report_data: dict[str, Any]) -> None:
    errors = _errors(world, report_data, intake="on_behalf")
    assert set(errors) == {"affected_name", "affected_contact"}


def test_anonymous_reports_take_no_names(world: Any, report_data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        incidents.clean_incident({**report_data, "affected_name": "Erika Muster"}, anonymous=True)
    assert list(caught.value.message_dict) == ["affected_name"]


def test_the_form_shows_all_problems_at_their_fields_and_saves_nothing(world: Any, login: Any) -> None:
    client = login(world.pirna_official)
    before = _counts()
    tomorrow = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/melden/", {"description": "", "occurred_at": tomorrow, "channel": "social_media",
                                        "municipality": world.pirna.pk})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert {"description", "incident_types", "occurred_at", "place", "platform", "affected_role"} <= set(errors)
    assert _counts() == before
    assert 'aria-invalid="true"' in response.content.decode()
