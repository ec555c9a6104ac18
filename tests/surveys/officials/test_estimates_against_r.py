"""The officials' survey's weighting and estimates agree with R's survey package.

The wave's answers go through results.compute (weighting cells, merged where too few answered, the census
design with a finite population correction); the same rows go to R as
``svydesign(ids=~1, strata=~cell, fpc=~N)`` and R estimates the shares affected (overall and by role, logit
intervals as svyciprop), the total of incidents and the ratio of reported to experienced incidents.
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from kommunalschutz.surveys.officials import results, services, synthetic
from kommunalschutz.surveys.officials.models import OfficialRole, Wave
from tests.surveys.officials.conftest import People
from tests.surveys.projects.rsurvey import Case, close, rscript, run_r

pytestmark = pytest.mark.django_db

RATIO_SCRIPT = """
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1], stringsAsFactors = FALSE)
d <- svydesign(ids = ~1, strata = ~cell, fpc = ~N, data = df)
r <- svyratio(~reported, ~incidents, d, na.rm = TRUE)
ci <- confint(r)
write.csv(data.frame(estimate = coef(r)[1], se = SE(r)[1], lower = ci[1, 1], upper = ci[1, 2]), args[2],
          row.names = FALSE)
"""


def _ratio_in_r(cells: list[str], population: list[float], reported: np.ndarray, incidents: np.ndarray
                ) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with open(folder / "data.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["cell", "N", "reported", "incidents"])
            for cell, size, count, total in zip(cells, population, reported, incidents, strict=True):
                writer.writerow([cell, repr(size), repr(float(count)), repr(float(total))])
        (folder / "ratio.R").write_text(RATIO_SCRIPT)
        done = subprocess.run([rscript(), str(folder / "ratio.R"), str(folder / "data.csv"), str(folder / "out.csv")],
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        with open(folder / "out.csv") as handle:
            out = next(csv.DictReader(handle))
        return float(out["estimate"]), float(out["lower"]), float(out["upper"])


def test_shares_totals_and_the_reported_ratio_agree_with_r(field_wave: Wave, people: People) -> None:
    synthetic.answer_wave(field_wave, seed=11)
    wave = services.close_wave(actor=people.coordinator, wave=field_wave)
    computed = results.compute(wave)
    sample = results.load_sample(wave)
    assert sample.merged, "the data should exercise merged weighting cells"
    population = [float(max(sample.population[cell], sample.cells.count(cell))) for cell in sample.cells]
    affected = [None if v is None else str(int(v)) for v in (results.affected_komo(a) for a in sample.answers)]
    incidents = sample.column(results.incidents)
    reported = sample.column(results.reported_incidents)
    assert not np.isnan(incidents).any() and not np.isnan(reported).any()
    case = Case(id="officials", columns={"cell": sample.cells, "N": population, "affected": affected,
                                         "role": sample.roles, "incidents": list(incidents),
                                         "reported": list(reported)},
                numeric=["incidents", "reported"], factor=["affected"], strata="cell", fpc="N", by="role",
                levels={"affected": ["0", "1"]})
    r = run_r([case])
    compared = 0
    overall = r[("officials", "proportion", "affected", "", "1")]
    shares = [(computed.overall, overall)]
    for share in computed.breakdowns["role"]:
        if not share.suppressed:
            shares.append((share, r[("officials", "proportion", "affected", share.key, "1")]))
    for share, (estimate, _se, lower, upper) in shares:
        assert share.estimate is not None and share.lower is not None and share.upper is not None
        for ours, theirs in ((share.estimate, estimate), (share.lower, lower), (share.upper, upper)):
            assert close(ours, theirs), (share.key, ours, theirs)
            compared += 1
    assert len(shares) >= 3  # the whole frame and at least two roles
    total = r[("officials", "total", "incidents", "", "")]
    assert computed.incidents_total.estimate is not None
    for value, theirs in ((computed.incidents_total.estimate, total[0]), (computed.incidents_total.lower, total[2]),
                          (computed.incidents_total.upper, total[3])):
        assert value is not None and close(value, theirs)
        compared += 1
    ratio = _ratio_in_r(sample.cells, population, reported, incidents)
    ours_ratio = computed.reported_ratio
    for value, theirs in zip((ours_ratio.estimate, ours_ratio.lower, ours_ratio.upper), ratio, strict=True):
        assert value is not None and close(value, theirs), (value, theirs)
        compared += 1
    assert compared >= 15


def test_weighting_cells_merge_within_a_role_and_leave_out_a_role_without_answers() -> None:
    population = {("mayor_honorary", "lt2000"): 10, ("mayor_honorary", "lt5000"): 8,
                  ("mayor_honorary", "lt10000"): 4, ("staff", "ge50000"): 40}
    respondents = {("mayor_honorary", "lt2000"): 5, ("mayor_honorary", "lt5000"): 1,
                   ("mayor_honorary", "lt10000"): 3, ("staff", "ge50000"): 1}
    mapping, left_out, merged = results._merge_cells(respondents, population)
    assert mapping[("mayor_honorary", "lt2000")] == "mayor_honorary|lt2000"
    assert mapping[("mayor_honorary", "lt5000")] == mapping[("mayor_honorary", "lt10000")] \
        == "mayor_honorary|lt5000+lt10000"
    assert left_out == [OfficialRole.STAFF] and merged == ["mayor_honorary|lt5000+lt10000"]
