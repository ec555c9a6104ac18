"""Coaching: the coach pool, the ranked suggestions, sessions and the closing evaluation; coaches see their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kommunalschutz.alliance.engagements import selectors
from kommunalschutz.alliance.engagements.coaching import (
    close_coaching_process,
    create_coach,
    record_coaching_session,
    update_coach,
)
from kommunalschutz.alliance.engagements.models import (
    CoachingEvaluation,
    CoachingProcess,
    CoachingSession,
    Fulfilment,
    SuccessCondition,
)
from tests.alliance.engagements.conftest import coaching, competence, make_coach, other_coach
from tests.conftest import World
from tests.factories import UserFactory

FIVE = dict.fromkeys(SuccessCondition.values, (Fulfilment.MET, "gut"))


def test_only_people_with_the_coach_role_join_the_pool(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        create_coach(actor=world.coordinator, user=world.pirna_coordinator)
    assert set(raised.value.error_dict) == {"user"}
    make_coach(world)
    with pytest.raises(ValidationError) as raised:
        create_coach(actor=world.coordinator, user=world.coach)
    assert set(raised.value.error_dict) == {"user"}


def test_suggestions_rank_by_needs_then_region_then_free_places(contacted: World) -> None:
    world = contacted
    both = other_coach(world, "both", competences=("praeventionsrat", "moderation"), regions=(world.vogtland,))
    regional = other_coach(world, "regional", competences=("praeventionsrat",), regions=(world.soe,))
    roomy = other_coach(world, "roomy", competences=("praeventionsrat",), capacity=5)
    full = other_coach(world, "full", competences=("praeventionsrat", "moderation"), regions=(world.soe,), capacity=1)
    coaching(world, full, world.plauen)
    unrelated = other_coach(world, "unrelated", competences=("jugend",), regions=(world.soe,))
    ranked = selectors.rank_coaches(needs=[competence("praeventionsrat"), competence("moderation")],
                                    district_id=world.soe.pk)
    assert [s.coach for s in ranked] == [both, regional, roomy, unrelated, full]
    assert ranked[-1].free == 0


def test_coaching_form_shows_the_ranking_and_saves_nothing_when_updating_it(contacted: World, login: Any) -> None:
    world = contacted
    other_coach(world, "match", competences=("moderation",))
    make_coach(world, competences=("jugend",))
    client = login(world.coordinator)
    url = reverse("engagements:engagement_create", args=["coaching"])
    response = client.post(url, {"suggest": "1", "municipality": world.pirna.ags,
                                 "needs": [competence("moderation").pk], "title": "Neu"})
    assert response.status_code == 200
    assert [s.coach.user.username for s in response.context["suggestions"]] == ["match", "coach"]
    assert not CoachingProcess.objects.exists()


def test_coordinator_creates_a_process_with_the_chosen_coach(contacted: World, login: Any) -> None:
    coach = make_coach(contacted)
    client = login(contacted.coordinator)
    response = client.post(reverse("engagements:engagement_create", args=["coaching"]), {
        "municipality": contacted.pirna.ags, "title": "Coaching KPR", "status": "active",
        "started_on": "2021-06-01", "coach": coach.pk, "goals": "KPR gründen",
        "needs": [competence("praeventionsrat").pk]})
    assert response.status_code == 302
    process = CoachingProcess.objects.get()
    assert process.coach == coach and list(process.needs.all()) == [competence("praeventionsrat")]


def test_coach_sees_only_their_own_processes(contacted: World, login: Any) -> None:
    own = coaching(contacted, make_coach(contacted), title="Eigener Prozess")
    foreign = coaching(contacted, other_coach(contacted), contacted.plauen, title="Fremder Prozess")
    client = login(contacted.coach)
    response = client.get(reverse("engagements:coaching_list"))
    assert [p.pk for p in response.context["page"]] == [own.pk]
    assert client.get(reverse("engagements:engagement_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("engagements:engagement_detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("engagements:session_add", args=[foreign.pk])).status_code == 404


def test_coordinator_sees_every_process(contacted: World, login: Any) -> None:
    coaching(contacted, make_coach(contacted))
    coaching(contacted, other_coach(contacted), contacted.plauen)
    response = login(contacted.coordinator).get(reverse("engagements:coaching_list"))
    assert response.context["page"].paginator.count == 2


def test_coach_records_a_session_and_closes_with_the_evaluation(contacted: World, login: Any) -> None:
    process = coaching(contacted, make_coach(contacted), on=dt.date(2021, 6, 1))
    client = login(contacted.coach)
    response = client.post(reverse("engagements:session_add", args=[process.pk]), {
        "held_on": "2021-06-15", "duration_minutes": 120, "topics": "Auftakt"})
    assert response.status_code == 302
    assert CoachingSession.objects.filter(process=process).count() == 1
    data = {"closed_on": "2022-03-01", "evaluation_summary": "Erfolgreich"}
    for condition, (fulfilment, comment) in FIVE.items():
        data[condition], data[f"{condition}_comment"] = fulfilment, comment
    assert client.post(reverse("engagements:coaching_close", args=[process.pk]), data).status_code == 302
    process.refresh_from_db()
    assert process.closed_on == dt.date(2022, 3, 1)
    assert process.engagement.status == "completed" and process.engagement.ended_on == dt.date(2022, 3, 1)
    assert CoachingEvaluation.objects.filter(process=process).count() == 5


def test_closing_needs_every_success_condition_and_saves_nothing_otherwise(contacted: World, login: Any) -> None:
    process = coaching(contacted, make_coach(contacted))
    client = login(contacted.coach)
    response = client.post(reverse("engagements:coaching_close", args=[process.pk]), {
        "closed_on": "2022-03-01", "evaluation_summary": "x", "motivated_contact": "met"})
    assert response.status_code == 400
    assert "project_vision" in response.context["form"].errors
    with pytest.raises(ValidationError) as raised:
        close_coaching_process(actor=contacted.coach, process=process, closed_on=dt.date(2021, 1, 1),
                               summary="x", evaluations=FIVE)
    assert set(raised.value.error_dict) == {"closed_on"}
    process.refresh_from_db()
    assert process.closed_on is None and not CoachingEvaluation.objects.exists()


def test_session_before_the_start_is_refused(contacted: World) -> None:
    process = coaching(contacted, make_coach(contacted), on=dt.date(2021, 6, 1))
    with pytest.raises(ValidationError) as raised:
        record_coaching_session(actor=contacted.coach, process=process, held_on=dt.date(2021, 5, 1),
                                topics="x")
    assert set(raised.value.error_dict) == {"held_on"}
    assert not CoachingSession.objects.exists()


def test_municipal_coordinator_reads_own_process_but_cannot_edit(contacted: World, login: Any) -> None:
    own = coaching(contacted, make_coach(contacted))
    foreign = coaching(contacted, other_coach(contacted), contacted.plauen)
    client = login(contacted.pirna_coordinator)
    assert client.get(reverse("engagements:engagement_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("engagements:engagement_detail", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("engagements:session_add", args=[own.pk]),
                       {"held_on": "2021-07-01", "duration_minutes": 60, "topics": "x"}).status_code == 404
    assert client.get(reverse("engagements:coaching_list")).status_code == 404
    assert not CoachingSession.objects.exists()


def test_police_does_not_see_coaching(contacted: World, login: Any) -> None:
    process = coaching(contacted, make_coach(contacted))
    client = login(contacted.dresden_police)
    assert client.get(reverse("engagements:engagement_detail", args=[process.pk])).status_code == 404
    assert client.get(reverse("engagements:coaching_list")).status_code == 404
    response = client.get(reverse("engagements:engagement_list"))
    assert process.engagement not in list(response.context["page"])


def test_unavailable_coach_cannot_take_a_new_process(contacted: World) -> None:
    coach = make_coach(contacted)
    update_coach(actor=contacted.coordinator, coach=coach, institute=None, competences=[], regions=[],
                 capacity=3, active=False)
    with pytest.raises(ValidationError) as raised:
        coaching(contacted, coach)
    assert set(raised.value.error_dict) == {"coach"}


def test_coach_pool_pages_add_and_edit_a_coach(world: World, login: Any) -> None:
    user = UserFactory.create(username="neu-coach")
    from kommunalschutz.foundation.accounts.models import Role
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=user, organisation=world.coaching_institute, role=Role.COACH)
    client = login(world.coordinator)
    response = client.post(reverse("engagements:coach_create"), {
        "user": user.pk, "institute": world.coaching_institute.pk, "capacity": 4, "active": "on",
        "competences": [competence("moderation").pk], "regions": [world.soe.pk]})
    assert response.status_code == 302
    coach = user.coach_profile
    response = client.post(reverse("engagements:coach_edit", args=[coach.pk]), {
        "capacity": 2, "competences": [competence("jugend").pk], "regions": []})
    assert response.status_code == 302
    coach.refresh_from_db()
    assert coach.capacity == 2 and coach.active is False
    assert list(coach.competences.all()) == [competence("jugend")]
    assert client.get(reverse("engagements:coach_list")).status_code == 200
