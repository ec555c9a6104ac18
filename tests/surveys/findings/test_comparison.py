"""Comparison with earlier waves of the municipality and with released surveys of similar-sized municipalities."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from kommunalschutz.surveys.findings import precompute, results, selectors, services
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.factories import MunicipalityFactory
from tests.surveys.findings.builders import surveyed_project

pytestmark = pytest.mark.django_db


def _weighted(world: World, **kwargs: Any) -> SurveyProject:
    project = surveyed_project(contractor=world.analysis_contractor, respondents=60, **kwargs)
    services.run_weighting(actor=world.analyst, project=project, method="rake", variables=["sex", "age_group"])
    precompute.compute(project)  # what the queued task does after the commit (the test never commits)
    return project


def test_comparison_picks_waves_and_similar_released_surveys(world: World, login: Any) -> None:
    current = _weighted(world, municipality=world.pirna, year=2026, seed=1)
    wave = _weighted(world, municipality=world.pirna, year=2022, seed=2)
    surveyed_project(municipality=world.pirna, year=2018, respondents=10)  # never weighted: no wave
    similar = _weighted(world, municipality=MunicipalityFactory.create(name="Freital", population=40_000), seed=3,
                        status=SurveyProject.Status.REPORTED)
    _weighted(world, municipality=MunicipalityFactory.create(name="Heidenau", population=16_000), seed=4,
              status=SurveyProject.Status.REPORTED)  # too small (< 19,500)
    _weighted(world, municipality=MunicipalityFactory.create(name="Radebeul", population=34_000), seed=5,
              status=SurveyProject.Status.ANALYSIS)  # report not released
    assert selectors.earlier_waves(current) == [wave]
    assert selectors.similar_municipalities(current) == [similar]

    indicators = results.key_indicators(current)
    assert indicators["unsafe_after_dark"] is not None and indicators["unsafe_overall"] is None
    ind = indicators["trust_police"]
    assert ind is not None and 0 < ind.ci_lower < ind.estimate < ind.ci_upper < 1

    page = login(world.coordinator).get(f"/auswertung/{current.pk}/")
    body = page.content.decode()
    assert "Frühere Welle 2022" in body and "Freital" in body
    assert "Heidenau" not in body and "Radebeul" not in body


def test_key_indicators_take_item_codes_given_by_the_caller(world: World) -> None:
    project = _weighted(world, municipality=world.pirna)
    found = results.key_indicators(project, codes={"unsafe_overall": "safety_dark"})
    assert found["unsafe_overall"] is not None and found["unsafe_after_dark"] is not None
    assert found["unsafe_overall"].estimate == pytest.approx(found["unsafe_after_dark"].estimate)


def test_indicators_of_a_weighting_run_are_computed_once_and_follow_a_new_run(
        world: World, django_assert_max_num_queries: DjangoAssertNumQueries) -> None:
    project = _weighted(world, municipality=world.pirna, seed=6)
    first = results.current_key_indicators(project)
    run = selectors.current_run(project)
    assert first == results.key_indicators(project, run)
    # Kept for the run: no responses are read or decrypted again (only the current run and the cache).
    with django_assert_max_num_queries(3):
        assert results.current_key_indicators(project) == first
    services.run_weighting(actor=world.analyst, project=project, method="design", variables=[])
    second = results.current_key_indicators(project)
    assert second == results.key_indicators(project, selectors.current_run(project))
    assert second != first
