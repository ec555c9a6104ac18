"""An engagement cannot start before the first contact, nor without one, nor end before it starts (issue 3, item 10)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.engagements import common, consultations
from kommunalschutz.alliance.engagements.models import Consultation, Engagement
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.engagements.conftest import FIRST_CONTACT, offer
from tests.conftest import World


def _counts() -> tuple[int, int, int]:
    return Engagement.objects.count(), Consultation.objects.count(), AuditEvent.objects.count()


def test_engagement_before_first_contact_is_refused_on_started_on(contacted: World) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as raised:
        consultations.create_consultation(actor=contacted.coordinator, municipality=contacted.pirna, title="Zu früh",
                                          started_on=FIRST_CONTACT - dt.timedelta(days=1), topics="Allianz")
    assert set(raised.value.error_dict) == {"started_on"}
    assert "01.03.2019" in raised.value.error_dict["started_on"][0].messages[0]
    assert _counts() == before


def test_engagement_on_the_day_of_first_contact_is_accepted(contacted: World) -> None:
    consultation = consultations.create_consultation(actor=contacted.coordinator, municipality=contacted.pirna,
                                                     title="Erstgespräch", started_on=FIRST_CONTACT, topics="Allianz")
    assert consultation.engagement.started_on == FIRST_CONTACT
    assert AuditEvent.objects.filter(object_type="engagements.engagement",
                                     object_id=str(consultation.engagement.pk), actor=contacted.coordinator).exists()


def test_municipality_never_contacted_cannot_have_engagements(world: World) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as raised:
        common.create_engagement(actor=world.coordinator, offer_type=offer("general"), municipality=world.pirna,
                                 title="Qualifizierung", started_on=dt.date(2022, 1, 1))
    assert set(raised.value.error_dict) == {"municipality"}
    assert _counts() == before


def test_district_never_contacted_names_the_district_field(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        common.create_engagement(actor=world.coordinator, offer_type=offer("general"), district=world.soe,
                                 title="Regionaltreffen", started_on=dt.date(2022, 1, 1))
    assert set(raised.value.error_dict) == {"district"}


def test_end_before_start_is_refused(contacted: World) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as raised:
        common.create_engagement(actor=contacted.coordinator, offer_type=offer("general"),
                                 municipality=contacted.pirna, title="Qualifizierung",
                                 started_on=dt.date(2022, 5, 1), ended_on=dt.date(2022, 4, 30))
    assert set(raised.value.error_dict) == {"ended_on"}
    assert _counts() == before


def test_both_or_no_target_is_refused(contacted: World) -> None:
    targets: list[dict[str, Any]] = [{}, {"municipality": contacted.pirna, "district": contacted.soe}]
    for target in targets:
        with pytest.raises(ValidationError) as raised:
            common.create_engagement(actor=contacted.coordinator, offer_type=offer("general"), title="X",
                                     started_on=dt.date(2022, 5, 1), **target)
        assert "municipality" in raised.value.error_dict


def test_form_shows_the_first_contact_next_to_the_date_and_saves_nothing(contacted: World, login: Any) -> None:
    client = login(contacted.coordinator)
    before = _counts()
    response = client.post(reverse("engagements:engagement_create", args=["beratung"]), {
        "municipality": contacted.pirna.ags, "title": "Zu früh", "status": "completed",
        "started_on": "2019-02-01", "topics": "Allianz",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"started_on"}
    assert "01.03.2019" in form.errors["started_on"][0]
    assert _counts() == before


def test_form_refuses_an_end_before_the_start(contacted: World, login: Any) -> None:
    client = login(contacted.coordinator)
    before = _counts()
    response = client.post(reverse("engagements:engagement_create", args=["qualifizierung"]), {
        "municipality": contacted.pirna.ags, "title": "Lehrgang", "status": "active",
        "started_on": "2022-05-01", "ended_on": "2022-04-01",
    })
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"ended_on"}
    assert _counts() == before


def test_editing_cannot_move_the_start_before_the_first_contact(contacted: World, login: Any) -> None:
    engagement = common.create_engagement(actor=contacted.coordinator, offer_type=offer("general"),
                                          municipality=contacted.pirna, title="Lehrgang",
                                          started_on=dt.date(2022, 5, 1))
    client = login(contacted.coordinator)
    response = client.post(reverse("engagements:engagement_edit", args=[engagement.pk]), {
        "title": "Lehrgang", "status": "active", "started_on": "2018-05-01",
    })
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"started_on"}
    engagement.refresh_from_db()
    assert engagement.started_on == dt.date(2022, 5, 1)
