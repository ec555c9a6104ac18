"""Lonely PSUs (every survey.lonely.psu option, with and without survey.adjust.domain.lonely), quantiles
(svyquantile's defaults) and declared factor levels, live against R's survey package (decision 0030)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kommunalschutz.surveys.projects import estimation as est
from tests.surveys.projects.rsurvey import Case, Key, assert_agrees, run_r

CATS = ["a", "b", "c"]
QUANTILES = ["0.1", "0.25", "0.5", "0.75", "0.9"]
OPTIONS = ["certainty", "remove", "adjust", "average"]


def _data(seed: int, n: int, *, missing: bool = False, ties: bool = False) -> dict[str, list[Any]]:
    """Four strata: S0 and S1 with several PSUs, S2 and S3 lonely (one PSU each, several rows in S2, one row
    in S3). Clusters c0..c3 inside S0/S1; the domain ``d`` leaves S1 with a single PSU in "nord"."""
    rng = np.random.default_rng(seed)
    strata, clusters, domain = [], [], []
    for i in range(n):
        if i == n - 1:
            s, c = "S3", "c0"
        elif i >= n - 6:
            s, c = "S2", "c0"
        else:
            s = ("S0", "S1")[i % 2]
            c = f"c{(i // 2) % 4}"
        strata.append(s)
        clusters.append(c)
        # "nord" in S1 only in cluster c0: a single PSU of S1 in that domain
        domain.append("nord" if (s != "S1" or c == "c0") and i % 3 != 2 else "sued")
    y = rng.gamma(2.0, 10.0, n)
    cols: dict[str, list[Any]] = {
        "y": [float(round(v)) if ties else round(float(v), 3) for v in y],
        "f": [CATS[i] for i in rng.choice(3, n, p=[0.5, 0.3, 0.2])],
        "q5": [str(i) for i in rng.choice([1, 2, 4, 5], n)],  # level 3 never chosen
        "w": [round(float(v), 4) for v in rng.uniform(0.5, 4.0, n)],
        "s": strata,
        "cl": clusters,
        "d": domain,
        "age": [("18-39", "40-64", "65+")[i] for i in rng.integers(0, 3, n)],
        "sex": [("f", "m")[i] for i in rng.integers(0, 2, n)],
        "Ncl": [{"S0": 30, "S1": 25, "S2": 3, "S3": 1}[s] for s in strata],
        "N": [{"S0": 900, "S1": 700, "S2": 40, "S3": 10}[s] for s in strata],
    }
    if missing:
        for key in ("y", "f"):
            for i in rng.choice(n - 1, n // 10, replace=False):
                cols[key][int(i)] = None
    return cols


def _pop(cols: dict[str, list[Any]], variable: str, scale: float) -> dict[tuple[str, ...], float]:
    cells = sorted({(v,) for v in cols[variable]})
    return {cell: float(round(scale * (1 + k % 3) * 37.5 + 11 * k, 1)) for k, cell in enumerate(cells)}


def cases() -> list[Case]:
    plain = _data(21, 120)
    miss = _data(22, 150, missing=True)
    ties = _data(23, 90, ties=True)
    raked = _data(24, 160)
    out: list[Case] = []
    for option in OPTIONS:
        common: dict[str, Any] = {
            "numeric": ["y"],
            "factor": ["f", "q5"],
            "quantiles": QUANTILES,
            "levels": {"q5": ["1", "2", "3", "4", "5"]},
            "lonely": option,
        }
        out += [
            Case(f"{option}_rows", plain, strata="s", weight="w", by="d", **common),
            Case(f"{option}_clusters_fpc", plain, strata="s", cluster="cl", fpc="Ncl", weight="w", by="d", **common),
            Case(f"{option}_fpc_only", plain, strata="s", fpc="N", by="d", **common),
            Case(f"{option}_missing", miss, strata="s", cluster="cl", weight="w", by="d", **common),
            Case(f"{option}_ties", ties, strata="s", weight="w", by="d", **common),
            Case(
                f"{option}_raked",
                raked,
                strata="s",
                cluster="cl",
                weight="w",
                by="d",
                calib="rake",
                margins=[((v,), _pop(raked, v, 300)) for v in ("age", "sex")],
                **common,
            ),
        ]
        if option in ("adjust", "average"):
            out.append(
                Case(
                    f"{option}_domain_lonely",
                    plain,
                    strata="s",
                    cluster="cl",
                    weight="w",
                    by="d",
                    adjust_domain=True,
                    **common,
                )
            )
            out.append(
                Case(
                    f"{option}_domain_lonely_missing",
                    miss,
                    strata="s",
                    cluster="cl",
                    weight="w",
                    by="d",
                    adjust_domain=True,
                    **common,
                )
            )
    # quantiles on designs without lonely strata (R's default "fail")
    srs = _data(25, 80)
    out.append(Case("quantiles_srs", srs, numeric=["y"], quantiles=[*QUANTILES, "0", "1", "0.01"], by="d"))
    out.append(Case("quantiles_weighted", srs, numeric=["y"], weight="w", quantiles=QUANTILES, by="d"))
    return out


@pytest.fixture(scope="module")
def r_results() -> dict[Key, tuple[float, float, float, float]]:
    return run_r(cases())


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_agrees_with_r(case: Case, r_results: dict[Key, tuple[float, float, float, float]]) -> None:
    compared = assert_agrees([case], {k: v for k, v in r_results.items() if k[0] == case.id})
    assert compared > 50


def test_the_options_differ_where_they_should(r_results: dict[Key, tuple[float, float, float, float]]) -> None:
    """Guard against a comparison that passes because every option computes the same: "adjust" and
    "average" give other standard errors than "certainty"/"remove" (which agree in survey 4.1)."""
    se = {o: r_results[(f"{o}_rows", "mean", "y", "", "")][1] for o in OPTIONS}
    assert se["certainty"] == se["remove"]
    assert se["adjust"] > se["certainty"] and se["average"] > se["certainty"]
    assert se["adjust"] != se["average"]
    plain = r_results[("average_domain_lonely", "mean", "y", "nord", "")][1]
    assert plain != r_results[("average_clusters_fpc", "mean", "y", "nord", "")][1]


def test_fail_refuses_a_lonely_stratum() -> None:
    cols = _data(21, 40)
    with pytest.raises(est.SurveyError, match="only one PSU"):
        est.make_design(40, strata=cols["s"], weights=cols["w"])
    with pytest.raises(est.SurveyError, match="lonely_psu"):
        est.make_design(40, strata=cols["s"], weights=cols["w"], lonely_psu="merge")


def test_a_declared_level_without_answers_is_a_share_of_zero(
    r_results: dict[Key, tuple[float, float, float, float]],
) -> None:
    estimate, se, lower, upper = r_results[("adjust_rows", "proportion", "q5", "", "3")]
    assert estimate == 0.0 and se == 0.0 and lower == 0.0 and 0 < upper < 0.1


def test_quantile_of_an_empty_domain_is_empty() -> None:
    cols = _data(25, 80)
    design = est.make_design(80, weights=cols["w"])
    nobody = np.zeros(80, dtype=bool)
    result = est.svyquantile(design, cols["y"], [0.5], nobody)[0.5]
    assert result.n == 0 and result.empty
    with pytest.raises(est.SurveyError, match="between 0 and 1"):
        est.svyquantile(design, cols["y"], [1.5])


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("adjust_domain", [False, True])
def test_svyby_means_agrees_with_svymean_per_domain(option: str, adjust_domain: bool) -> None:
    """The one-pass domain means (used by the platform and the benchmark) carry the same lonely-PSU rule and the
    same strata present per domain as svymean on each domain, which the cases above check against R."""
    cols = _data(22, 150, missing=True)
    design = est.make_design(
        150,
        weights=cols["w"],
        strata=cols["s"],
        clusters=cols["cl"],
        lonely_psu=option,
        adjust_domain_lonely=adjust_domain,
    )
    y = np.array([np.nan if v is None else v for v in cols["y"]])
    by = est.svyby_mean(design, y, cols["d"])
    for level, value, se in zip(by.levels, by.estimate, by.se, strict=True):
        single = est.svymean(design, y, np.array([d == level for d in cols["d"]]))
        assert value == pytest.approx(single.estimate, rel=1e-13)
        assert se == pytest.approx(single.se, rel=1e-12)
