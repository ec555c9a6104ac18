"""The estimates API serves the results stored after the weighting (decision 0024) and gives exactly what
estimating during the request gives: the same JSON, number for number, for every domain split."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.surveys.findings import services, stored
from kommunalschutz.surveys.findings.models import StoredResults
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.surveys.findings.builders import surveyed_project
from tests.surveys.findings.test_stored_results import _forbid_estimation

pytestmark = pytest.mark.django_db

SPLITS = [None, "locality", "age_group", "sex"]


@pytest.fixture
def project(world: World, django_capture_on_commit_callbacks: Any) -> SurveyProject:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)
    with django_capture_on_commit_callbacks(execute=True):  # the weighting queues the computation
        services.run_weighting(actor=world.analyst, project=project, method="rake", variables=["age_group", "sex"])
    return project


def _get(api: Any, world: World, project: SurveyProject, by: str | None) -> dict[str, Any]:
    response = api.get(world.coordinator, f"/surveys/projects/{project.pk}/estimates", **({"by": by} if by else {}))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_stored_and_estimated_answers_are_identical(world: World, api: Any, project: SurveyProject) -> None:
    assert StoredResults.objects.filter(project=project).count() == len(stored.SPLITS)
    from_store = {by: _get(api, world, project, by) for by in SPLITS}
    StoredResults.objects.filter(project=project).delete()
    estimated = {by: _get(api, world, project, by) for by in SPLITS}
    for by in SPLITS:
        assert from_store[by]["estimates"], by
        assert from_store[by] == estimated[by], by
    for by in SPLITS[1:]:
        assert any(e["domain_variable"] == by for e in from_store[by]["estimates"])


def test_with_stored_results_the_api_does_not_estimate(world: World, api: Any, project: SurveyProject,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    expected = {by: _get(api, world, project, by) for by in SPLITS}
    _forbid_estimation(monkeypatch)
    for by in SPLITS:
        assert _get(api, world, project, by) == expected[by]
