"""Drafting, editing, signing and terminating a cooperation agreement (services and pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.programme import agreements, loading, selectors
from kommunalschutz.alliance.programme.models import AgreementSignatory, CooperationAgreement, Stage
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.programme.conftest import draft, step

D = dt.date
pytestmark = pytest.mark.usefixtures("english")


def test_a_draft_has_three_parties_sections_and_signatories(world: Any) -> None:
    agreement = draft(world, police_station="Polizeirevier Pirna", is_synthetic=True)
    assert agreement.status == "draft" and agreement.target == world.pirna
    assert agreement.police_directorate == world.dresden_pd
    assert agreement.coordination_office == world.coordination_office
    assert [s.party for s in agreement.signatories.all()] == ["coordination_office", "municipality", "police"]
    event = AuditEvent.objects.get(object_type="alliance.cooperationagreement", action="create")
    assert event.actor == world.coordinator and len(event.changes["signatories"]["new"]) == 3


def test_the_coordination_office_defaults_to_the_programmes(world: Any) -> None:
    loading.load_programme(actor=None)
    agreement = draft(world, coordination_office=None)
    assert agreement.coordination_office == world.coordination_office


def test_the_third_party_must_be_a_coordination_office(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(world, coordination_office=world.pirna_org)
    assert "coordination_office" in caught.value.message_dict
    assert not CooperationAgreement.objects.exists()


def test_incomplete_signatories_are_refused(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(world, signatories=[{"party": "mayor", "name": "", "function": "x"},
                                  {"party": "police", "name": "A", "function": "B", "signed_on": D(2999, 1, 1)}])
    assert len(caught.value.message_dict["signatories"]) == 3
    assert not CooperationAgreement.objects.exists() and not AgreementSignatory.objects.exists()


def test_editing_a_draft_replaces_the_signatories_and_is_audited(world: Any) -> None:
    agreement = draft(world)
    agreements.update_agreement(actor=world.coordinator, agreement=agreement, title="KV Pirna 2021",
                                partner_tasks="Die Stadt gründet einen Präventionsrat.",
                                signatories=[{"party": "municipality", "name": "Tim Lochner",
                                            "function": "Oberbürgermeister"}])
    agreement.refresh_from_db()
    assert agreement.title == "KV Pirna 2021" and agreement.signatories.count() == 1
    event = AuditEvent.objects.get(object_type="alliance.cooperationagreement", action="update")
    assert {"title", "partner_tasks", "signatories"} <= set(event.changed_fields)


def test_signing_records_the_agreement_and_the_membership(world: Any) -> None:
    step(world, Stage.CONSULTED, D(2021, 3, 1))
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))
    assert (agreement.status, agreement.signed_on) == ("signed", D(2021, 6, 25))
    steps = selectors.timeline(world.pirna)
    assert [(s.stage, s.date) for s in steps] == [
        ("consulted", D(2021, 3, 1)), ("agreement_signed", D(2021, 6, 25)), ("member", D(2021, 6, 25))]
    assert steps[1].acting_organisation == world.coordination_office


def test_signing_without_membership_records_only_the_agreement(world: Any) -> None:
    agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25),
                              record_membership=False)
    assert selectors.current_stage(world.pirna) == "agreement_signed"


def test_a_renewed_agreement_of_a_member_records_no_second_step(world: Any) -> None:
    step(world, Stage.MEMBER, D(2020, 1, 1))
    agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2023, 1, 1))
    assert len(selectors.timeline(world.pirna)) == 1


def test_signing_before_the_latest_step_is_refused_and_saves_nothing(world: Any) -> None:
    step(world, Stage.CONSULTED, D(2021, 7, 1))
    agreement = draft(world)
    with pytest.raises(ValidationError) as caught:
        agreements.sign_agreement(actor=world.coordinator, agreement=agreement, signed_on=D(2021, 6, 25))
    assert "signed_on" in caught.value.message_dict
    agreement.refresh_from_db()
    assert agreement.status == "draft" and len(selectors.timeline(world.pirna)) == 1


def test_a_signed_agreement_is_not_edited_or_signed_again(world: Any) -> None:
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))
    with pytest.raises(ValidationError):
        agreements.update_agreement(actor=world.coordinator, agreement=agreement, title="Anders")
    with pytest.raises(ValidationError):
        agreements.sign_agreement(actor=world.coordinator, agreement=agreement, signed_on=D(2021, 6, 26))


def test_terminating_before_signing_date_is_refused(world: Any) -> None:
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))
    with pytest.raises(ValidationError) as caught:
        agreements.terminate_agreement(actor=world.coordinator, agreement=agreement, terminated_on=D(2021, 6, 24))
    assert "before the agreement was signed" in caught.value.message_dict["terminated_on"][0]
    agreement.refresh_from_db()
    assert agreement.status == "signed" and agreement.terminated_on is None
    agreements.terminate_agreement(actor=world.coordinator, agreement=agreement, terminated_on=D(2023, 6, 30))
    agreement.refresh_from_db()
    # mypy keeps terminated_on narrowed to None from the assert above, across refresh_from_db().
    assert (agreement.status, agreement.terminated_on) == ("terminated", D(2023, 6, 30))  # type: ignore[comparison-overlap]  # stale narrowing


def test_the_pages_draft_and_sign_an_agreement(world: Any, login: Any) -> None:
    client = login(world.coordinator)
    create = reverse("alliance:agreement_create", args=["14628270"])
    form = client.get(create)
    assert form.status_code == 200 and form.context["form"]["police_directorate"].value() == world.dresden_pd.pk
    data = {
        "title": "Kooperationsvereinbarung Pirna", "police_directorate": world.dresden_pd.pk,
        "police_station": "", "coordination_office": world.coordination_office.pk,
        "background": "Hintergrund", "goals_and_tasks": "", "problem_inventory": "", "partner_tasks": "",
        "topics_and_measures": "", "review_of_measures": "",
        "signatories-TOTAL_FORMS": "3", "signatories-INITIAL_FORMS": "3",
        "signatories-MIN_NUM_FORMS": "0", "signatories-MAX_NUM_FORMS": "12",
        "signatories-0-party": "municipality", "signatories-0-name": "Tim Lochner",
        "signatories-0-function": "Oberbürgermeister", "signatories-0-signed_on": "",
        "signatories-1-party": "police", "signatories-1-name": "", "signatories-1-function": "",
        "signatories-2-party": "coordination_office", "signatories-2-name": "", "signatories-2-function": "",
    }
    response = client.post(create, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    agreement = CooperationAgreement.objects.get()
    assert agreement.signatories.count() == 1
    detail = client.get(reverse("alliance:agreement_detail", args=[agreement.pk])).content.decode()
    assert "Hintergrund" in detail and "Tim Lochner" in detail
    response = client.post(reverse("alliance:agreement_sign", args=[agreement.pk]),
                           {"signed_on": "2021-06-25", "record_membership": "on"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed" and selectors.current_stage(world.pirna) == "member"


def test_the_form_shows_service_errors_next_to_the_field(world: Any, login: Any) -> None:
    agreement = agreements.sign_agreement(actor=world.coordinator, agreement=draft(world), signed_on=D(2021, 6, 25))
    response = login(world.coordinator).post(reverse("alliance:agreement_terminate", args=[agreement.pk]),
                                             {"terminated_on": "2021-06-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["terminated_on"]
