"""A weighted project's estimates against surveys.estimation directly and against R's survey package (live)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from kommunalschutz.surveys.findings import calibration, results, services
from kommunalschutz.surveys.projects import estimation as est
from tests.conftest import World
from tests.surveys.findings.builders import AGES, LOCALITIES, SEXES, population, surveyed_project
from tests.surveys.projects.rsurvey import Case, close, run_r

pytestmark = pytest.mark.django_db


def _margins(variable: str) -> dict[tuple[str, ...], float]:
    out: dict[tuple[str, ...], float] = {}
    for loc in LOCALITIES:
        for age in AGES:
            for sex in SEXES:
                key = ({"age_group": age, "sex": sex, "locality": loc}[variable],)
                out[key] = out.get(key, 0.0) + population(loc, age, sex)
    return out


def test_raked_estimates_and_standard_errors_agree_with_estimation_and_r(world: World) -> None:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=150,
                               seed=11)
    run = services.run_weighting(actor=world.analyst, project=project, method="rake",
                                 variables=["age_group", "sex", "locality"])
    rows = results.project_results(project, by="sex")
    mean = next(r for r in rows if r.item_code == "safety_dark" and r.kind == "mean" and not r.domain_variable)
    share = next(r for r in rows if r.item_code == "victim_theft" and r.category == "1" and r.domain == "w")

    responses = list(project.responses.filter(status="submitted").select_related("member").order_by("pk"))
    members = [r.member for r in responses]
    respondents = [calibration.Respondent(r.pk, m.locality, m.age_group, m.sex, m.design_weight)
                   for r, m in zip(responses, members, strict=True)]
    strata, _merged = calibration.strata_labels(respondents, stratified=True)
    assert strata is not None
    dark = [r.answers.get("safety_dark") for r in responses]
    y = [None if v in (8, 9, None) else float(v) for v in dark]
    theft = [str(r.answers.get("victim_theft")) for r in responses]
    columns: dict[str, list[Any]] = {
        "s": strata, "w": [m.design_weight for m in members], "age": [m.age_group for m in members],
        "sex": [m.sex for m in members], "loc": [m.locality for m in members], "y": y, "f": theft}
    margins: list[tuple[tuple[str, ...], dict[tuple[str, ...], float]]] = [
        ((name,), _margins(variable)) for name, variable in (("age", "age_group"), ("sex", "sex"), ("loc", "locality"))]

    # Directly on surveys.estimation: same weights, same mean and standard error.
    design = est.make_design(len(members), weights=columns["w"], strata=strata)
    raked = est.rake(design, [([columns[n[0]]], pop) for n, pop in margins], maxit=100, epsilon=1e-7).design
    assert np.allclose([run.weights[str(r.pk)] for r in responses], raked.weights, rtol=1e-12, atol=0)
    direct = est.svymean(raked, np.array([math.nan if v is None else v for v in y]))
    assert mean.estimate == pytest.approx(direct.estimate, rel=1e-12)
    assert mean.se == pytest.approx(direct.se, rel=1e-12)

    # And R's survey package: rake(svydesign(ids=~1, strata=~s, weights=~w), ...), svymean, svyby.
    case = Case("findings", columns, numeric=["y"], factor=["f"], strata="s", weight="w", by="sex",
                calib="rake", margins=margins, maxit=100, epsilon=1e-7)
    r = run_r([case])
    r_mean = r[("findings", "mean", "y", "", "")]
    assert close(mean.estimate, r_mean[0]) and close(mean.se, r_mean[1]), (mean, r_mean)
    assert close(mean.ci_lower, r_mean[2]) and close(mean.ci_upper, r_mean[3])
    r_share = r[("findings", "ciprop", "f", "w", "1")]
    assert close(share.se, r_share[1]) and close(share.ci_lower, r_share[2]) and close(share.ci_upper, r_share[3])
    r_prop = r[("findings", "proportion", "f", "w", "1")]
    assert close(share.estimate, r_prop[0])
    for i, response in enumerate(responses, start=1):
        assert close(run.weights[str(response.pk)], r[("findings", "weight", "", "", str(i))][0])
