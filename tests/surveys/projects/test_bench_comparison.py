"""The estimation benchmark's comparison with R (bench/survey_estimation.py) on a small survey, live against
R, and the vectorised paths it relies on (all domains at once, raking residuals by projection, fast codes)
against the direct computations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from bench import survey_estimation as bench
from kommunalschutz.surveys.projects import estimation as est


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[bench.Survey, bench.Run, bench.Run, bench.Comparison]:
    survey = bench.generate(respondents=2_000, items=6, domains=5, seed=7)
    ours, theirs, comparison = bench.benchmark(survey, tmp_path_factory.mktemp("bench"))
    return survey, ours, theirs, comparison


def test_small_benchmark_agrees_with_r(small: tuple[bench.Survey, bench.Run, bench.Run, bench.Comparison]) -> None:
    survey, ours, theirs, comparison = small
    # 6 items x (whole + 5 localities), estimate and SE each, plus every calibrated weight
    assert len(ours.estimates) == 36
    assert comparison.compared == 2 * 36 + 2_000
    assert comparison.max_rel_diff <= bench.TOLERANCE, comparison.worst
    assert set(ours.estimates) == set(theirs.estimates)
    assert theirs.seconds > 0 and ours.seconds > 0 and theirs.cpu_seconds > 0
    # the raking reached the register totals within epsilon = 1 person (so the margins really were used)
    for name, column in (("age", survey.age), ("sex", survey.sex), ("locality", survey.locality)):
        for category, total in survey.margins[name].items():
            assert ours.weights[column == category].sum() == pytest.approx(total, abs=1.0)  # epsilon 1
    # 8 and 9 are missing: every five-point mean lies in [1, 5], every yes/no share in [0, 1]
    for (item, _domain), (value, se) in ours.estimates.items():
        j = survey.item_names.index(item)
        assert (1 <= value <= 5) if j < survey.scale_items else (0 <= value <= 1)
        assert se > 0


def test_comparison_catches_a_difference_above_the_tolerance(
    small: tuple[bench.Survey, bench.Run, bench.Run, bench.Comparison],
) -> None:
    _, ours, theirs, _ = small
    key = ("q03", "L02")
    value, se = theirs.estimates[key]
    shifted = bench.Run({**theirs.estimates, key: (value, se * (1 + 5e-9))}, theirs.weights, 1.0, 1.0, 1.0, 1.0)
    comparison = bench.compare(ours, shifted)
    assert comparison.max_rel_diff > bench.TOLERANCE
    assert "se of q03 in L02" in comparison.worst
    weights = theirs.weights.copy()
    weights[17] *= 1 + 1e-8
    comparison = bench.compare(ours, bench.Run(theirs.estimates, weights, 1.0, 1.0, 1.0, 1.0))
    assert comparison.max_rel_diff_weights > bench.TOLERANCE
    assert "respondent 18" in comparison.worst
    nan = bench.Run({**theirs.estimates, key: (math.nan, se)}, theirs.weights, 1.0, 1.0, 1.0, 1.0)
    assert bench.compare(ours, nan).max_rel_diff == math.inf
    missing = dict(theirs.estimates)
    del missing[key]
    with pytest.raises(bench.BenchFailure, match="only ours"):
        bench.compare(ours, bench.Run(missing, theirs.weights, 1.0, 1.0, 1.0, 1.0))


def test_main_writes_the_results_file(tmp_path: Path) -> None:
    out = tmp_path / "survey_estimation.json"
    code = bench.main(["--respondents", "1000", "--items", "2", "--domains", "4", "--output", str(out)])
    assert code == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["estimates"] == 2 * 5
    assert results["max_rel_diff"] <= 1e-9
    assert results["ratio"] > 0 and results["r"]["version"].startswith("4.")
    assert results["ours"]["total_s"] > 0


def test_generate_is_reproducible() -> None:
    a, b = bench.generate(1_000, 4, 4, seed=3), bench.generate(1_000, 4, 4, seed=3)
    assert np.array_equal(a.items, b.items, equal_nan=True)
    assert np.array_equal(a.weight, b.weight)
    assert not np.array_equal(a.items, bench.generate(1_000, 4, 4, seed=4).items, equal_nan=True)
    assert sum(a.margins["age"].values()) == sum(a.margins["locality"].values()) == sum(a.margins["sex"].values())
    with pytest.raises(ValueError):
        bench.generate(100, 4, 4)


def _raked(seed: int, clusters: bool) -> tuple[est.Design, np.ndarray, list[str | None]]:
    rng = np.random.default_rng(seed)
    n = 400
    strata = [f"s{i % 4}" for i in range(n)]
    age = [("a", "b", "c")[i] for i in rng.integers(0, 3, n)]
    sex = [("m", "w")[i] for i in rng.integers(0, 2, n)]
    design = est.make_design(n, weights=rng.uniform(1, 5, n), strata=strata,
                             clusters=[int(i) for i in rng.integers(0, 6, n)] if clusters else None)
    margins = [([age], {("a",): 300.0, ("b",): 500.0, ("c",): 700.0}), ([sex], {("m",): 740.0, ("w",): 760.0})]
    y = rng.normal(10, 3, n)
    y[rng.random(n) < 0.1] = np.nan
    by: list[str | None] = [("x", "y", "z")[i] for i in rng.integers(0, 3, n)]
    by[5] = None
    return est.rake(design, margins).design, y, by


@pytest.mark.parametrize("clusters", [False, True])
def test_svyby_means_equal_svymean_per_domain(clusters: bool) -> None:
    design, y, by = _raked(11, clusters)
    z = np.where(np.isnan(y), np.nan, (y > 10).astype(float))
    results = est.svyby_means(design, np.column_stack([y, z]), by)
    assert [r.levels for r in results] == [["x", "y", "z"]] * 2
    for values, result in zip((y, z), results, strict=True):
        single = est.svyby_mean(design, values, by)
        np.testing.assert_array_equal(single.se, result.se)
        np.testing.assert_array_equal(single.estimate, result.estimate)
        for k, level in enumerate(result.levels):
            direct = est.svymean(design, values, np.array([b == level for b in by]))
            assert result.estimate[k] == pytest.approx(direct.estimate, rel=1e-12)
            assert result.se[k] == pytest.approx(direct.se, rel=1e-10)
            assert result.n[k] == direct.n


def test_svyby_mean_of_an_empty_domain_is_nan() -> None:
    design, y, by = _raked(12, False)
    y = y.copy()
    y[[b == "z" for b in by]] = np.nan
    result = est.svyby_mean(design, y, by)
    assert math.isnan(result.estimate[2]) and math.isnan(result.se[2]) and result.n[2] == 0
    assert not math.isnan(result.se[0])
    with pytest.raises(est.SurveyError, match="by: length"):
        est.svyby_mean(design, y, by[:-1])


def test_raking_residuals_by_projection_equal_the_sweeps() -> None:
    design, _, _ = _raked(13, True)
    raking = design.calibration[-1]
    assert isinstance(raking, est.Raking)
    xt = np.random.default_rng(5).normal(size=(3, design.n))
    fast, sweeps = raking.residuals(xt), raking._sweeps(xt)
    assert np.allclose(fast, sweeps, rtol=1e-12, atol=1e-12 * float(np.abs(xt).max()))


@pytest.mark.parametrize("labels", [
    ["b", "a", "c", "a", "b"], [3, 1, 2, 1], [True, False, True], np.array(["L2", "L10", "L1"]),
    np.array([5, -2, 5, 7]),
])
def test_fast_codes_equal_the_sorted_levels(labels: list[object] | np.ndarray) -> None:
    codes, levels = est._codes(labels)
    values = list(labels.tolist() if isinstance(labels, np.ndarray) else labels)
    expected = sorted(set(values))
    assert levels == expected and all(type(v) is type(values[0]) for v in levels)
    assert codes.tolist() == [expected.index(v) for v in values]


def test_mixed_labels_keep_the_general_path() -> None:
    codes, levels = est._codes(["a", 1, "b", 1])
    assert levels == [1, "a", "b"] and codes.tolist() == [1, 0, 2, 0]
    cells, cell_levels = est._cell_codes([["m", "w", "m"], [2, 1, 2]], 3)
    assert cell_levels == [("m", 2), ("w", 1)] and cells.tolist() == [0, 1, 0]
    with pytest.raises(est.SurveyError, match="missing"):
        est._cell_codes([["m", None, "w"]], 3)
