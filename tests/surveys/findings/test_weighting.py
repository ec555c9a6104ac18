"""Weighting runs: end to end on factory data, against surveys.estimation directly, refusals, bad input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.findings import services
from kommunalschutz.surveys.findings.models import WeightingRun
from kommunalschutz.surveys.projects import estimation as est
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling.models import PopulationCell
from tests.conftest import World
from tests.survey_factories import ResponseFactory, SampleMemberFactory
from tests.surveys.findings.builders import AGES, LOCALITIES, SEXES, population, surveyed_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world: World) -> SurveyProject:
    return surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor)


def _reference_design(project: SurveyProject) -> tuple[list[Response], est.Design]:
    """The same design and raking built by hand from the records, straight on surveys.estimation."""
    responses = list(project.responses.filter(status="submitted").select_related("member").order_by("pk"))
    members = [r.member for r in responses]
    strata = [f"{m.locality}|{m.sex}|{m.age_group}" for m in members]
    design = est.make_design(len(members), weights=[m.design_weight for m in members], strata=strata)
    margins = []
    for variable, _categories in (("age_group", AGES), ("sex", SEXES), ("locality", LOCALITIES)):
        pop: dict[tuple[str, ...], float] = {}
        for loc in LOCALITIES:
            for age in AGES:
                for sex in SEXES:
                    key = {"age_group": age, "sex": sex, "locality": loc}[variable]
                    pop[(key,)] = pop.get((key,), 0.0) + population(loc, age, sex)
        margins.append(([[getattr(m, variable) for m in members]], pop))
    raked = est.rake(design, margins, maxit=100, epsilon=1e-7).design
    return responses, raked


def test_raking_end_to_end_matches_the_estimation_module(world: World, project: SurveyProject) -> None:
    run = services.run_weighting(actor=world.analyst, project=project, method="rake",
                                 variables=["age_group", "sex", "locality"])
    responses, reference = _reference_design(project)
    ours = np.array([run.weights[str(r.pk)] for r in responses])
    assert np.allclose(ours, reference.weights, rtol=1e-12, atol=0)
    # The weights reproduce the population margins.
    total = sum(population(loc, age, sex) for loc in LOCALITIES for age in AGES for sex in SEXES)
    assert ours.sum() == pytest.approx(total, rel=1e-9)
    assert run.is_current and run.margin_source == "register"
    assert run.diagnostics["weights"]["deff"] == pytest.approx(len(ours) * (ours**2).sum() / ours.sum() ** 2)
    assert run.diagnostics["rake"]["converged"] is True
    assert AuditEvent.objects.filter(object_type="findings.weightingrun", object_id=str(run.pk)).exists()


def test_a_new_run_replaces_the_current_one_and_keeps_the_old(world: World, project: SurveyProject) -> None:
    first = services.run_weighting(actor=world.analyst, project=project, method="design", variables=[])
    second = services.run_weighting(actor=world.pirna_coordinator, project=project, method="poststratify",
                                    variables=["age_group", "sex"])
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert WeightingRun.objects.filter(project=project).count() == 2
    assert second.variables == ["age_group", "sex"]


def test_trimming_relative_to_the_mean_keeps_the_total(world: World, project: SurveyProject) -> None:
    untrimmed = services.run_weighting(actor=world.analyst, project=project, method="poststratify",
                                       variables=["age_group", "sex", "locality"])
    w0 = np.array(list(untrimmed.weights.values()))
    run = services.run_weighting(actor=world.analyst, project=project, method="poststratify",
                                 variables=["age_group", "sex", "locality"], trim_lower=0.8, trim_upper=1.2)
    w = np.array(list(run.weights.values()))
    assert w.sum() == pytest.approx(w0.sum(), rel=1e-9)
    assert w.max() <= 1.2 * w0.mean() * (1 + 1e-9) and w.min() >= 0.8 * w0.mean() * (1 - 1e-9)
    assert run.diagnostics["trimmed"] > 0
    assert np.allclose(w, est.trim_weights(w0, 0.8 * w0.mean(), 1.2 * w0.mean()))
    # counted are the weights at a bound, not those rescaled to keep the total (all others moved)
    lower, upper = run.diagnostics["trim_bounds"]
    at_bound = sum(1 for x in w if math.isclose(x, lower, rel_tol=1e-9) or math.isclose(x, upper, rel_tol=1e-9))
    assert run.diagnostics["trimmed"] == at_bound < len(w)
    assert int(np.count_nonzero(np.abs(w - w0) > 1e-12 * w0.max())) > at_bound


def test_trimmed_weights_are_those_at_a_bound_within_the_stated_tolerance() -> None:
    weights = est.trim_weights([1.0] * 9 + [11.0], upper=5.0)
    assert est.count_at_bounds(weights, None, 5.0) == 1  # the other nine were rescaled, not trimmed
    assert est.count_at_bounds([1.0, 10.0 * (1 + 0.5e-9), 10.0 * (1 + 2e-9)], 1.0, 10.0) == 2
    assert est.count_at_bounds([1.0, 2.0], None, None) == 0


def test_inverted_trimming_bounds_are_refused_and_nothing_is_written(world: World, project: SurveyProject) -> None:
    with pytest.raises(ValidationError) as info:
        services.run_weighting(actor=world.analyst, project=project, method="rake", variables=["sex"],
                               trim_lower=2.0, trim_upper=0.5)
    assert "trim_upper" in info.value.message_dict
    assert "oberhalb" in " ".join(info.value.message_dict["trim_upper"]) or "above" in " ".join(
        info.value.message_dict["trim_upper"])
    assert not WeightingRun.objects.exists()


def test_no_population_figures_allow_only_design_weights(world: World) -> None:
    project = surveyed_project(municipality=world.pirna, with_population=False, respondents=30)
    with pytest.raises(ValidationError) as info:
        services.run_weighting(actor=world.pirna_coordinator, project=project, method="rake", variables=["sex"])
    assert "variables" in info.value.message_dict
    run = services.run_weighting(actor=world.pirna_coordinator, project=project, method="design", variables=[])
    assert len(run.weights) == 30


def test_no_responses_gives_a_clear_error(world: World) -> None:
    project = surveyed_project(municipality=world.pirna, respondents=0)
    with pytest.raises(ValidationError) as info:
        services.run_weighting(actor=world.analyst, project=project, method="design", variables=[])
    assert info.value.message_dict["__all__"]
    assert not WeightingRun.objects.exists()


def test_population_category_without_respondents_is_explained_and_can_be_collapsed(world: World,
                                                                                   project: SurveyProject,
                                                                                   login: Any) -> None:
    # Sex "d" in the population, three respondents with "d": thin. Plus a locality nobody answered from.
    sample = project.sample
    for loc, age in (("Altstadt", "25-34"), ("Copitz", "55-64"), ("Copitz", "75+")):
        PopulationCell.objects.create(project=project, source="register", locality=loc, age_group=age, sex="d",
                                      count=3)
    PopulationCell.objects.create(project=project, source="register", locality="Zehista", age_group="35-44",
                                  sex="w", count=40)
    q = project.questionnaires.get()
    for i in range(2):
        member = SampleMemberFactory.create(sample=sample, locality="Altstadt", age_group="25-34", sex="d",
                                            design_weight=50.0, number=1000 + i)
        ResponseFactory.create(member=member, project=project, questionnaire=q, answers={"safety_dark": 2})
    with pytest.raises(ValidationError) as info:
        services.run_weighting(actor=world.analyst, project=project, method="rake",
                               variables=["sex", "locality"])
    text = " ".join(info.value.message_dict["variables"])
    assert "Zehista" in text
    assert not WeightingRun.objects.exists()
    run = services.run_weighting(actor=world.analyst, project=project, method="rake",
                                 variables=["age_group", "sex", "locality"], collapse=True)
    mapping = run.diagnostics["mapping"]
    assert mapping["sex"] == {"d": "w"}  # more women than men in the population
    assert mapping["locality"]["Zehista"] == "übrige Ortsteile"
    # the weighting page names the variable and the categories in German, not their codes (issue 13)
    page = login(world.analyst).get(f"/auswertung/{project.pk}/gewichtung/").content.decode()
    assert "Geschlecht: „divers / keine Angabe“ → „weiblich“" in page
    assert "sex:" not in page
    w = np.array(list(run.weights.values()))
    total = PopulationCell.objects.filter(project=project).values_list("count", flat=True)
    assert w.sum() == pytest.approx(sum(total), rel=1e-9)


def test_respondents_in_a_category_without_population_are_refused(world: World, project: SurveyProject) -> None:
    PopulationCell.objects.filter(project=project, locality="Copitz").delete()
    with pytest.raises(ValidationError) as info:
        services.run_weighting(actor=world.analyst, project=project, method="rake", variables=["locality"])
    assert "Copitz" in " ".join(info.value.message_dict["variables"])


def test_official_figures_win_over_the_register(world: World, project: SurveyProject) -> None:
    for cell in PopulationCell.objects.filter(project=project):
        PopulationCell.objects.create(project=project, source="official", locality=cell.locality,
                                      age_group=cell.age_group, sex=cell.sex, count=cell.count * 2)
    run = services.run_weighting(actor=world.analyst, project=project, method="rake", variables=["sex"])
    assert run.margin_source == "official"
    assert sum(run.weights.values()) == pytest.approx(
        2 * sum(population(loc, age, sex) for loc in LOCALITIES for age in AGES for sex in SEXES), rel=1e-9)


def test_a_category_nobody_chose_is_exactly_zero_without_nan(world: World, project: SurveyProject) -> None:
    """Degenerate logit intervals (share 0 or 1) never reach tables, exports or the API as NaN."""
    import math

    from kommunalschutz.surveys.findings.results import project_results

    for response in project.responses.select_related("member"):  # no woman distrusts the police entirely (5)
        if response.answers.get("trust_police") == 5 and response.member.sex == "w":
            response.answers = {**response.answers, "trust_police": 4}
            response.save(update_fields=["answers"])
    services.run_weighting(actor=world.analyst, project=project, method="rake",
                           variables=["age_group", "sex", "locality"])
    rows = [r for r in project_results(project, by="sex") if r.kind == "proportion"]
    assert rows
    for row in rows:
        assert all(math.isfinite(v) for v in (row.estimate, row.se, row.ci_lower, row.ci_upper))
    unused = [r for r in rows if r.item_code == "trust_police" and r.category == "5" and r.domain == "w"]
    assert unused and unused[0].estimate == 0.0 and unused[0].ci_upper == 0.0
