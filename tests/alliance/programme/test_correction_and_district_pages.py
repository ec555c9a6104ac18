"""Pages for correcting a step, editing a draft and working on a district as a partner of its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from kommunalschutz.alliance.programme import selectors
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Stage
from tests.alliance.programme.conftest import draft, step


def test_the_coordinator_deletes_a_mistaken_step(world: Any, login: Any) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5))
    wrong = step(world, Stage.MEMBER, dt.date(2021, 2, 5))
    client = login(world.coordinator)
    url = reverse("alliance:transition_delete", args=[wrong.pk])
    assert "Schritt „Mitglied“" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("alliance:municipality_record", args=["14628270"])
    assert [t.stage for t in selectors.timeline(world.pirna)] == ["contacted"]


def test_a_deletion_that_breaks_the_order_is_refused_with_a_message(world: Any, login: Any) -> None:
    step(world, Stage.MEMBER, dt.date(2020, 1, 5))
    left = step(world, Stage.LEFT, dt.date(2021, 1, 5))
    step(world, Stage.CONTACTED, dt.date(2022, 1, 5))
    response = login(world.coordinator).post(reverse("alliance:transition_delete", args=[left.pk]))
    assert response.status_code == 400
    assert "späteren Schritte" in response.content.decode()
    assert MembershipTransition.objects.count() == 3


def test_others_cannot_delete_steps(world: Any, login: Any) -> None:
    mistaken = step(world, Stage.CONTACTED, dt.date(2021, 1, 5))
    for persona in ("pirna_coordinator", "dresden_police", "outsider"):
        client = login(getattr(world, persona))
        assert client.post(reverse("alliance:transition_delete", args=[mistaken.pk])).status_code == 404
    assert MembershipTransition.objects.count() == 1


def test_a_step_going_backwards_in_the_form_is_shown_next_to_the_field(world: Any, login: Any) -> None:
    step(world, Stage.CONSULTED, dt.date(2021, 1, 5))
    response = login(world.coordinator).post(
        reverse("alliance:municipality_record", args=["14628270"]),
        {"stage": "contacted", "date": "2021-02-01", "acting_organisation": world.coordination_office.pk})
    assert response.status_code == 400
    assert "nur vorwärts" in str(response.context["form"].errors["stage"])
    assert MembershipTransition.objects.count() == 1


def test_a_district_has_its_own_record_and_agreement(world: Any, login: Any) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5), target=world.soe)
    agreement = draft(world, target=world.soe)
    client = login(world.coordinator)
    page = client.get(reverse("alliance:district_record", args=["14628"])).content.decode()
    assert "stage-contacted" in page and agreement.title in page
    assert client.get(reverse("alliance:agreement_create", args=["14628"])).status_code == 200
    police = login(world.dresden_police).get(reverse("alliance:agreement_detail", args=[agreement.pk]))
    assert police.status_code == 200


def test_the_coordinator_edits_a_draft_in_the_form(world: Any, login: Any) -> None:
    agreement = draft(world)
    client = login(world.coordinator)
    url = reverse("alliance:agreement_edit", args=[agreement.pk])
    form = client.get(url)
    assert form.context["formset"].total_form_count() == 4  # three signatories and one empty row
    data = {
        "title": "KV Pirna (überarbeitet)", "police_directorate": world.dresden_pd.pk, "police_station": "",
        "coordination_office": world.coordination_office.pk, "background": "Neu", "goals_and_tasks": "",
        "problem_inventory": "", "partner_tasks": "", "topics_and_measures": "", "review_of_measures": "",
        "signatories-TOTAL_FORMS": "1", "signatories-INITIAL_FORMS": "1", "signatories-MIN_NUM_FORMS": "0",
        "signatories-MAX_NUM_FORMS": "12", "signatories-0-party": "police", "signatories-0-name": "Lutz Rodig",
        "signatories-0-function": "Polizeipräsident", "signatories-0-signed_on": "",
    }
    assert client.post(url, data).status_code == 302
    agreement = CooperationAgreement.objects.get()
    assert agreement.title == "KV Pirna (überarbeitet)" and agreement.background == "Neu"
    assert [s.name for s in agreement.signatories.all()] == ["Lutz Rodig"]


def test_a_signatory_without_a_function_is_shown_next_to_the_field(world: Any, login: Any) -> None:
    agreement = draft(world)
    response = login(world.coordinator).post(reverse("alliance:agreement_edit", args=[agreement.pk]), {
        "title": "KV", "police_directorate": world.dresden_pd.pk, "coordination_office": world.coordination_office.pk,
        "signatories-TOTAL_FORMS": "1", "signatories-INITIAL_FORMS": "0", "signatories-MIN_NUM_FORMS": "0",
        "signatories-MAX_NUM_FORMS": "12", "signatories-0-party": "police", "signatories-0-name": "Lutz Rodig",
        "signatories-0-function": "",
    })
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["function"]
    assert CooperationAgreement.objects.get().title != "KV"
