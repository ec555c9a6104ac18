"""Run the same designs through R's survey package (live, via Rscript) and through our estimation module."""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kommunalschutz.surveys.projects import estimation as est

R_SCRIPT = Path(__file__).parent / "r" / "estimate.R"
REL_TOL = 1e-9

Key = tuple[str, str, str, str, str]  # design, stat, variable, domain, category


@dataclass
class Case:
    id: str
    columns: dict[str, list[Any]]  # None = missing
    numeric: list[str] = field(default_factory=list)
    factor: list[str] = field(default_factory=list)
    strata: str = ""
    cluster: str = ""
    weight: str = ""
    fpc: str = ""
    by: str = ""
    calib: str = "none"  # none | poststrat | rake
    margins: list[tuple[tuple[str, ...], dict[tuple[str, ...], float]]] = field(default_factory=list)
    maxit: int = 10
    epsilon: float = 1.0
    lonely: str = "fail"  # R's survey.lonely.psu
    adjust_domain: bool = False  # R's survey.adjust.domain.lonely
    quantiles: list[str] = field(default_factory=list)  # svyquantile probabilities for the numeric variables
    levels: dict[str, list[str]] = field(default_factory=dict)  # declared factor levels

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values())))


def rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        pytest.fail("Rscript is missing: `make test` installs r-base-core and r-cran-survey (Debian) for these tests.")
    return path


def run_r(cases: list[Case]) -> dict[Key, tuple[float, float, float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        names = sorted({c for case in cases for c in case.columns})
        with open(d / "data.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["design", *names])
            for case in cases:
                for i in range(case.n):
                    w.writerow([case.id] + [_cell(case.columns.get(n, [None] * case.n)[i]) for n in names])
        with open(d / "specs.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["design", "strata", "cluster", "weight", "fpc", "calib", "numeric", "factor", "by",
                        "maxit", "epsilon", "lonely", "adjust_domain", "quantiles", "levels"])
            for c in cases:
                w.writerow([c.id, c.strata, c.cluster, c.weight, c.fpc, c.calib, "|".join(c.numeric),
                            "|".join(c.factor), c.by, c.maxit, repr(c.epsilon), c.lonely,
                            "TRUE" if c.adjust_domain else "FALSE", "|".join(c.quantiles),
                            ";".join(f"{v}={','.join(lv)}" for v, lv in c.levels.items())])
        with open(d / "margins.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["design", "margin", "cell", "Freq"])
            for c in cases:
                for variables, table in c.margins:
                    for cell, freq in table.items():
                        w.writerow([c.id, "+".join(variables), "|".join(cell), repr(float(freq))])
        proc = subprocess.run([rscript(), str(R_SCRIPT), str(d / "data.csv"), str(d / "specs.csv"),
                               str(d / "margins.csv"), str(d / "out.csv")], capture_output=True, text=True,
                              timeout=600, check=False)
        assert proc.returncode == 0, f"R failed:\n{proc.stderr}"
        out: dict[Key, tuple[float, float, float, float]] = {}
        with open(d / "out.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                key = (row["design"], row["stat"], row["variable"], row["domain"], row["category"])
                cols = ("estimate", "se", "ci_lower", "ci_upper")
                a, b, lo, e = (float("nan" if row[k] == "NA" else row[k]) for k in cols)  # `c` is a Case above
                out[key] = (a, b, lo, e)
        return out


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return repr(float(v)) if isinstance(v, float) else str(v)


def _num(values: list[Any]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values])


def build_design(case: Case) -> est.Design:
    cols = case.columns
    design = est.make_design(
        case.n,
        weights=_num(cols[case.weight]) if case.weight else None,
        strata=cols[case.strata] if case.strata else None,
        clusters=cols[case.cluster] if case.cluster else None,
        fpc=_num(cols[case.fpc]) if case.fpc else None,
        lonely_psu=case.lonely,
        adjust_domain_lonely=case.adjust_domain,
    )
    margins = [([cols[v] for v in variables], dict(table)) for variables, table in case.margins]
    if case.calib == "poststrat":
        design = est.post_stratify(design, *margins[0])
    elif case.calib == "rake":
        design = est.rake(design, margins, maxit=case.maxit, epsilon=case.epsilon).design
    return design


def run_python(case: Case) -> dict[Key, tuple[float, float, float, float]]:
    design = build_design(case)
    out: dict[Key, tuple[float, float, float, float]] = {}
    nan = math.nan
    for i, w in enumerate(design.weights, start=1):
        out[(case.id, "weight", "", "", str(i))] = (float(w), nan, nan, nan)
    out[(case.id, "degf", "", "", "")] = (float(design.degf()), nan, nan, nan)
    domains: list[tuple[str, Any]] = [("", None)]
    if case.by:
        by = case.columns[case.by]
        domains += [(b, np.array([v == b for v in by])) for b in sorted({v for v in by if v is not None})]
    for v in case.numeric:
        y = _num(case.columns[v])
        for name, mask in domains:
            for stat, fn in (("mean", est.svymean), ("total", est.svytotal)):
                e = fn(design, y, mask)
                out[(case.id, stat, v, name, "")] = (e.estimate, e.se, e.ci_lower, e.ci_upper)
            for q in case.quantiles:
                e = est.svyquantile(design, y, [float(q)], mask)[float(q)]
                out[(case.id, "quantile", v, name, q)] = (e.estimate, e.se, e.ci_lower, e.ci_upper)
    for v in case.factor:
        values = case.columns[v]
        for name, mask in domains:
            for cat, e in est.svyprop(design, values, mask, case.levels.get(v)).items():
                out[(case.id, "proportion", v, name, cat)] = (e.estimate, e.se, e.ci_lower, e.ci_upper)
                assert e.glm_estimate is not None  # svyprop always sets it; compared as a float below
                out[(case.id, "ciprop", v, name, cat)] = (e.glm_estimate, e.se, e.ci_lower, e.ci_upper)
                indicator = np.array([math.nan if x is None else float(x == cat) for x in values])
                domain_w = design.weights if mask is None else design.weights * mask
                lo, hi = est.korn_graubard_interval(design, indicator, domain_w, design.degf(domain_w))
                out[(case.id, "beta", v, name, cat)] = (e.estimate, nan, lo, hi)
    return out


def close(a: float, b: float, tol: float = REL_TOL) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol * max(abs(a), abs(b)) or abs(a - b) <= 1e-14


def assert_agrees(cases: list[Case], r: dict[Key, tuple[float, float, float, float]] | None = None) -> int:
    """Compare every statistic of the cases with R; returns the number of compared numbers."""
    r = run_r(cases) if r is None else r
    compared = 0
    problems = []
    for case in cases:
        ours = run_python(case)
        theirs = {k: v for k, v in r.items() if k[0] == case.id}
        assert set(ours) == set(theirs), (
            f"{case.id}: statistics differ: only ours {sorted(set(ours) - set(theirs))[:5]}, "
            f"only R {sorted(set(theirs) - set(ours))[:5]}"
        )
        for key, values in ours.items():
            for label, a, b in zip(("estimate", "se", "ci_lower", "ci_upper"), values, theirs[key], strict=True):
                if (key[1] in ("weight", "degf") and label != "estimate") or (key[1] == "beta" and label == "se"):
                    continue
                compared += 1
                if not close(a, b):
                    problems.append(f"{key} {label}: ours {a!r}, R {b!r}")
    assert not problems, f"{len(problems)} disagreements with R, first: " + "; ".join(problems[:8])
    return compared
