"""Our estimates against R's survey package, live (one Rscript call for all fixed designs)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.surveys.projects.rsurvey import Case, Key, assert_agrees, run_r

CATS = ["a", "b", "c"]


def _data(seed: int, n: int, *, strata: int = 0, clusters_per_stratum: int = 0, missing: bool = False) -> dict[str,
                                                                                                               list[Any]]:
    rng = np.random.default_rng(seed)
    cols: dict[str, list[Any]] = {
        "y": [round(float(v), 3) for v in rng.gamma(2.0, 10.0, n)],
        "f": [CATS[i] for i in rng.choice(3, n, p=[0.5, 0.3, 0.2])],
        "w": [round(float(v), 4) for v in rng.uniform(0.5, 4.0, n)],
        "d": [("nord", "sued")[i] for i in rng.integers(0, 2, n)],
        "age": [("18-39", "40-64", "65+")[i] for i in rng.integers(0, 3, n)],
        "sex": [("f", "m")[i] for i in rng.integers(0, 2, n)],
        "district": [("Ost", "West", "Mitte")[i] for i in rng.integers(0, 3, n)],
    }
    if strata:
        cols["s"] = [f"S{i % strata}" for i in range(n)]
        cols["N"] = [{0: 500, 1: 800, 2: 1200, 3: 300}[i % strata] for i in range(n)]
    if clusters_per_stratum:
        cols["cl"] = [f"c{(i // strata) % clusters_per_stratum}" for i in range(n)]
        cols["Ncl"] = [{0: 20, 1: 35, 2: 12, 3: 40}[i % strata] for i in range(n)]
    if missing:
        for key in ("y", "f"):
            for i in rng.choice(n, n // 10, replace=False):
                cols[key][int(i)] = None
    return cols


def _pop(cols: dict[str, list[Any]], variables: tuple[str, ...], scale: float) -> dict[tuple[str, ...], float]:
    cells = sorted({tuple(cols[v][i] for v in variables) for i in range(len(cols["y"]))})
    return {cell: float(round(scale * (1 + k % 3) * 37.5 + 11 * k, 1)) for k, cell in enumerate(cells)}


def _boundary(seed: int) -> dict[str, list[Any]]:
    """21 respondents in "nord" who all answered "a" (shares of 100 % and 0 %), a mixed "sued"."""
    cols = _data(seed, 80, strata=2)
    for i in range(80):
        if i < 21:
            cols["d"][i], cols["f"][i] = "nord", "a"
        else:
            cols["d"][i] = "sued"
            cols["f"][i] = CATS[i % 3]
    return cols


def fixed_cases() -> list[Case]:
    srs = _data(1, 60)
    srs["Npop"] = [5000] * 60
    strat = _data(2, 90, strata=3)
    clus = _data(3, 160, strata=4, clusters_per_stratum=5)
    weighted = _data(4, 120)
    post = _data(5, 200)
    raked = _data(6, 250)
    miss = _data(7, 140, strata=2, missing=True)
    boundary = _boundary(8)
    return [
        Case("srs", srs, numeric=["y"], factor=["f"]),
        Case("srs_fpc", srs, numeric=["y"], factor=["f"], fpc="Npop"),
        Case("stratified", strat, numeric=["y"], factor=["f"], strata="s", fpc="N", by="d"),
        Case("stratified_nofpc", strat, numeric=["y"], factor=["f"], strata="s", weight="w"),
        Case("strat_cluster_fpc", clus, numeric=["y"], factor=["f"], strata="s", cluster="cl", fpc="Ncl",
             weight="w", by="d"),
        Case("unequal_weights", weighted, numeric=["y"], factor=["f"], weight="w", by="d"),
        Case("poststrat_age_sex", post, numeric=["y"], factor=["f"], weight="w", by="d", calib="poststrat",
             margins=[(("age", "sex"), _pop(post, ("age", "sex"), 100))]),
        Case("rake_3_margins", raked, numeric=["y"], factor=["f"], weight="w", by="d", calib="rake",
             margins=[((v,), _pop(raked, (v,), 300)) for v in ("age", "sex", "district")]),
        Case("rake_tight", raked, numeric=["y"], factor=["f"], weight="w", strata="d", calib="rake",
             margins=[((v,), _pop(raked, (v,), 300)) for v in ("age", "sex", "district")], maxit=50,
             epsilon=1e-9),
        Case("missing_values", miss, numeric=["y"], factor=["f"], strata="s", weight="w", by="d"),
        Case("boundary_shares", boundary, numeric=["y"], factor=["f"], strata="s", weight="w", by="d"),
        Case("boundary_shares_poststrat", boundary, numeric=["y"], factor=["f"], weight="w", by="d",
             calib="poststrat", margins=[(("age", "sex"), _pop(boundary, ("age", "sex"), 100))]),
    ]


@pytest.fixture(scope="module")
def r_results() -> dict[Key, tuple[float, float, float, float]]:
    return run_r(fixed_cases())


@pytest.mark.parametrize("case", fixed_cases(), ids=lambda c: c.id)
def test_design_agrees_with_r(case: Case, r_results: dict[Key, tuple[float, float, float, float]]) -> None:
    compared = assert_agrees([case], {k: v for k, v in r_results.items() if k[0] == case.id})
    assert compared > 20


def test_a_share_of_0_or_100_percent_has_an_interval_of_positive_width(
        r_results: dict[Key, tuple[float, float, float, float]]) -> None:
    """Decision 0023: no zero-width interval; the Korn-Graubard bound with a design effect of 1."""
    for category, share in (("a", 1.0), ("b", 0.0), ("c", 0.0)):
        _estimate, _se, lower, upper = r_results[("boundary_shares", "proportion", "f", "nord", category)]
        assert lower <= share <= upper
        assert upper - lower > 0.1  # 21 respondents: about 16 percentage points
    case = next(c for c in fixed_cases() if c.id == "boundary_shares")
    from tests.surveys.projects.rsurvey import close, run_python

    _e, _s, lower, upper = run_python(case)[("boundary_shares", "proportion", "f", "nord", "b")]
    assert lower == 0.0 and close(upper, r_results[("boundary_shares", "proportion", "f", "nord", "b")][3])
