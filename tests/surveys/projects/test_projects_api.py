"""GET /api/v1/surveys/projects…: scoped like the pages; 404 for everything the caller may not see."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.surveys.projects import builder
from tests.conftest import World
from tests.factories import OrganisationFactory
from tests.survey_factories import SurveyProjectFactory

pytestmark = pytest.mark.django_db


def test_project_list_is_scoped(world: World, api: Any) -> None:
    pirna = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)
    plauen = SurveyProjectFactory.create(municipality=world.plauen,
                                  contractor=OrganisationFactory.create(kind="analysis_contractor", name="Institut B"))
    expected = {"coordinator": {pirna.pk, plauen.pk}, "pirna_coordinator": {pirna.pk}, "analyst": {pirna.pk},
                "plauen_coordinator": {plauen.pk}}
    for persona, ids in expected.items():
        response = api.get(world.people[persona], "/surveys/projects")
        assert response.status_code == 200, persona
        assert {row["id"] for row in response.json()} == ids, persona
    for persona in ("outsider", "dresden_police", "pirna_official"):
        assert api.get(world.people[persona], "/surveys/projects").status_code == 404
    assert api.get(None, "/surveys/projects").status_code == 401


def test_project_and_questionnaire_with_items_options_and_filters(world: World, api: Any) -> None:
    project = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)
    builder.create_questionnaire_from_bank(actor=world.analyst, project=project,
                                            keys=["safety_dark", "victim_burglary", "reported_burglary", "years_lived"])
    response = api.get(world.analyst, f"/surveys/projects/{project.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["municipality_ags"] == "14628270" and body["questionnaires"][0]["items"] == 4
    response = api.get(world.pirna_coordinator, f"/surveys/projects/{project.pk}/questionnaires/1")
    assert response.status_code == 200
    items = {row["code"]: row for row in response.json()["items"]}
    assert items["safety_dark"]["allowed_values"] == [1, 2, 3, 4, 5, 8, 9]
    assert items["reported_burglary"]["show_if"] == {"item": "victim_burglary", "values": [1]}
    assert items["victim_burglary"]["options"][0] == {"code": 1, "de": "ja", "en": "yes"}
    assert (items["years_lived"]["minimum"], items["years_lived"]["maximum"]) == (0, 100)
    assert items["years_lived"]["allowed_values"] is None


@pytest.mark.parametrize("persona", ["plauen_coordinator", "outsider", "coach"])
def test_others_get_404_for_a_project_and_its_questionnaire(world: World, api: Any, persona: str) -> None:
    project = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)
    builder.create_questionnaire_from_bank(actor=world.analyst, project=project, keys=["safety_dark"])
    user = world.people[persona]
    assert api.get(user, f"/surveys/projects/{project.pk}").status_code == 404
    assert api.get(user, f"/surveys/projects/{project.pk}/questionnaires/1").status_code == 404
    assert api.get(world.analyst, f"/surveys/projects/{project.pk}/questionnaires/2").status_code == 404
