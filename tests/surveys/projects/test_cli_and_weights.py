"""The survey_estimate command (CSV in, CSV out, errors), trimming, diagnostics and the t quantile."""

from __future__ import annotations

import csv
import math
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kommunalschutz.surveys.projects import estimation as est
from kommunalschutz.surveys.projects.management.commands import survey_estimate
from tests.surveys.projects.rsurvey import Case, close, rscript, run_r


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _sample(n: int = 120) -> tuple[list[str], list[list[object]]]:
    rng = np.random.default_rng(11)
    header = ["id", "stratum", "psu", "w", "npsu", "safe", "feel", "district", "age", "sex"]
    rows = []
    for i in range(n):
        s = i % 3
        rows.append([
            i, f"S{s}", f"p{(i // 3) % 4}", round(float(rng.uniform(1, 5)), 3), (15, 22, 30)[s],
            "" if i % 17 == 0 else round(float(rng.normal(3, 1)), 3),
            ("sicher", "eher sicher", "unsicher")[int(rng.integers(0, 3))] if i % 13 else "",
            ("Nord", "Sued")[i % 2], ("jung", "alt")[int(rng.integers(0, 2))], ("w", "m")[int(rng.integers(0, 2))],
        ])
    for i, (age, sex) in enumerate((a, s) for a in ("jung", "alt") for s in ("w", "m")):
        rows[i][8], rows[i][9] = age, sex
    return header, rows


MARGINS: list[list[Any]] = [["age", "jung", 5200], ["age", "alt", 4800], ["sex", "w", 5100], ["sex", "m", 4900],
           ["district", "Nord", 6000], ["district", "Sued", 4000]]


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_agrees_with_r_after_raking(tmp_path: Path) -> None:
    header, rows = _sample()
    data = _write(tmp_path / "data.csv", header, rows)
    margins = _write(tmp_path / "margins.csv", ["variable", "category", "population"], MARGINS)
    out = tmp_path / "est.csv"
    code = survey_estimate.main([str(data), "--var", "safe", "--var", "feel", "--by", "district", "--strata",
                                 "stratum", "--cluster", "psu", "--weight", "w", "--fpc", "npsu", "--rake",
                                 str(margins), "--out", str(out)])
    assert code == 0
    result = _read(out)
    assert list(result[0]) == est.OUTPUT_COLUMNS
    # 3 domains x (mean, total) + 3 domains x 3 categories
    assert len(result) == 6 + 9
    cols = {h: [None if r[j] == "" else r[j] for r in rows] for j, h in enumerate(header)}
    case = Case("cli", cols, numeric=["safe"], factor=["feel"], strata="stratum", cluster="psu", weight="w",
                fpc="npsu", by="district", calib="rake",
                margins=[((v,), {(c,): float(p) for var, c, p in MARGINS if var == v})
                         for v in ("age", "sex", "district")])
    r = run_r([case])
    for row in result:
        stat = row["kind"] if row["kind"] != "proportion" else "ciprop"
        ref = r[("cli", stat, row["variable"], row["domain"], row["category"])]
        est_ref = r[("cli", "proportion", row["variable"], row["domain"], row["category"])][0] \
            if row["kind"] == "proportion" else ref[0]
        for ours, theirs in zip((row["estimate"], row["se"], row["ci_lower"], row["ci_upper"]),
                                (est_ref, *ref[1:]), strict=True):
            assert close(float(ours), theirs), (row, ref)
    mean_all = next(r for r in result if r["kind"] == "mean" and r["domain"] == "")
    assert mean_all["n"] == str(sum(1 for row in rows if row[5] != ""))
    assert mean_all["category"] == ""


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h, rows: None, "column 'nope'"),
        (lambda h, rows: rows[4].__setitem__(3, "viel"), "line 6, column 'w': weight 'viel' is not a number"),
        (lambda h, rows: rows[9].__setitem__(3, -2), "line 11, column 'w': weight -2 is negative"),
        (lambda h, rows: [r.__setitem__(1, "S9") for r in rows[:3]] and None, "only one PSU"),
    ],
)
def test_cli_bad_input_names_file_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  mutate: Callable[[list[str], list[list[object]]], None],
                                                  message: str) -> None:
    header, rows = _sample(60)
    mutate(header, rows)
    if message == "only one PSU":
        for r in rows[:3]:
            r[2] = "lonely"
    data = _write(tmp_path / "data.csv", header, rows)
    out = tmp_path / "est.csv"
    var = "nope" if "nope" in message else "safe"
    code = survey_estimate.main([str(data), "--var", var, "--strata", "stratum", "--cluster", "psu",
                                 "--weight", "w", "--out", str(out)])
    err = capsys.readouterr().err
    assert code != 0
    assert str(data) in err
    assert message in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [data]


def test_cli_margins_not_matching_the_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, rows = _sample(60)
    data = _write(tmp_path / "data.csv", header, rows)
    out = tmp_path / "est.csv"
    cases: dict[str, tuple[list[list[Any]], str]] = {
        "missing category": (MARGINS[:1] + MARGINS[2:], "category 'alt' has no population count"),
        "extra category": ([*MARGINS, ["sex", "d", 50]], "category 'd' of 'sex' does not occur"),
        "unknown variable": ([*MARGINS, ["income", "hoch", 5]], "line 8, column 'variable'"),
        "bad population": ([*MARGINS[:3], ["sex", "m", "viele"], *MARGINS[4:]], "line 5, column 'population'"),
    }
    for name, (margins, message) in cases.items():
        mpath = _write(tmp_path / "margins.csv", ["variable", "category", "population"], margins)
        code = survey_estimate.main([str(data), "--var", "safe", "--rake", str(mpath), "--out", str(out)])
        err = capsys.readouterr().err
        assert code != 0, name
        assert message in err, (name, err)
        assert not out.exists()


def test_django_command_refuses_with_exit_code(tmp_path: Path) -> None:
    header, rows = _sample(30)
    data = _write(tmp_path / "data.csv", header, rows)
    out = tmp_path / "est.csv"
    cmd = survey_estimate.Command()
    with pytest.raises(SystemExit) as exc:
        cmd.run_from_argv(["kommunalschutz", "survey_estimate", str(data), "--var", "safe", "--weight", "sex",
                           "--out", str(out)])
    assert exc.value.code == 2
    assert not out.exists()
    cmd.run_from_argv(["kommunalschutz", "survey_estimate", str(data), "--var", "feel", "--out", str(out)])
    assert {r["category"] for r in _read(out)} == {"sicher", "eher sicher", "unsicher"}


def test_trimming_keeps_the_total_and_the_bounds() -> None:
    w = np.array([1.0, 1.0, 2.0, 2.5, 3.0, 10.0, 20.0])
    trimmed = est.trim_weights(w, lower=1.5, upper=10.0)
    assert math.isclose(trimmed.sum(), w.sum(), rel_tol=1e-12)
    assert trimmed.min() >= 1.5 - 1e-9
    assert trimmed.max() <= 10.0 + 1e-9
    assert trimmed[5] == 10.0 and trimmed[6] == 10.0 and trimmed[0] == 1.5
    # the untrimmed weights take the trimmed amount in proportion: their ratios stay
    assert math.isclose(trimmed[2] / trimmed[3], 2.0 / 2.5, rel_tol=1e-12)
    assert math.isclose(trimmed[4], 3.0 * 2.2, rel_tol=1e-12)
    # a second round: a redistributed weight that crosses the bound is trimmed too
    again = est.trim_weights([1.0, 1.0, 2.0, 2.0, 3.0, 10.0, 20.0], lower=1.5, upper=8.0)
    assert again.max() <= 8.0 + 1e-9 and math.isclose(again.sum(), 39.0)
    with pytest.raises(est.SurveyError, match="cannot keep the weight total"):
        est.trim_weights(w, upper=2.0)
    assert np.array_equal(est.trim_weights(w, lower=0.5, upper=25), w)


def test_weight_diagnostics() -> None:
    d = est.weight_diagnostics([1.0, 2.0, 3.0, 6.0])
    assert (d.minimum, d.maximum, d.mean, d.total) == (1.0, 6.0, 3.0, 12.0)
    assert math.isclose(d.effective_n, 144 / 50)
    assert math.isclose(d.deff_weighting, 4 * 50 / 144)
    assert math.isclose(d.deff_weighting, 1 + d.cv**2)
    equal = est.weight_diagnostics([2.5] * 10)
    assert equal.deff_weighting == 1.0 and equal.effective_n == 10.0 and equal.cv == 0.0


def test_lonely_psu_and_bad_fpc_are_refused() -> None:
    with pytest.raises(est.SurveyError, match="Stratum 'b' has only one PSU"):
        est.make_design(5, strata=["a", "a", "a", "a", "b"])
    with pytest.raises(est.SurveyError, match="smaller than"):
        est.make_design(4, strata=["a", "a", "b", "b"], fpc=[1, 1, 10, 10])
    with pytest.raises(est.SurveyError, match="negative"):
        est.make_design(3, weights=[1, -1, 2])


def test_t_quantile_agrees_with_r() -> None:
    dfs = [1, 2, 3, 5, 9, 30, 117, 5000]
    proc = subprocess.run([rscript(), "-e", f"cat(sprintf('%.17g', qt(0.975, c({','.join(map(str, dfs))}))))"],
                          capture_output=True, text=True, check=True)
    for df, ref in zip(dfs, map(float, proc.stdout.split()), strict=True):
        assert math.isclose(est.t_quantile(0.975, df), ref, rel_tol=1e-12), df
