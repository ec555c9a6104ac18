"""survey-estimate's --factor, --by with declared levels, --quantiles and --lonely-psu, against R (decision 0030)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from kommunalschutz.surveys.projects import estimation as est
from kommunalschutz.surveys.projects.management.commands import survey_estimate
from tests.surveys.projects.rsurvey import Case, close, run_r

HEADER = ["id", "stratum", "psu", "w", "q5", "income", "region"]


def _rows(n: int = 90) -> list[list[object]]:
    rng = np.random.default_rng(31)
    rows: list[list[object]] = []
    for i in range(n):
        stratum, psu = (("S0", f"p{i % 4}"), ("S1", f"p{i % 3}"))[i % 2] if i < n - 3 else ("S2", "p0")
        rows.append(
            [
                i,
                stratum,
                psu,
                round(float(rng.uniform(1, 5)), 3),
                "" if i % 19 == 0 else str(int(rng.choice([1, 2, 4, 5]))),  # level 3 never answered
                "" if i % 23 == 0 else round(float(rng.gamma(3.0, 800.0)), 1),
                ("Nord", "Sued")[i % 5 == 0],
            ]
        )
    return rows


def _write(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("lonely", ["certainty", "adjust", "average", "remove"])
def test_cli_factor_quantiles_lonely_psu_and_an_empty_domain_agree_with_r(tmp_path: Path, lonely: str) -> None:
    rows = _rows()
    data = _write(tmp_path / "data.csv", rows)
    out = tmp_path / "est.csv"
    code = survey_estimate.main(
        [
            str(data),
            "--factor",
            "q5=1,2,3,4,5",
            "--var",
            "income",
            "--by",
            "region=Nord,Sued,Ost",
            "--quantiles",
            "0.25,0.5,0.75",
            "--strata",
            "stratum",
            "--cluster",
            "psu",
            "--weight",
            "w",
            "--lonely-psu",
            lonely,
            "--out",
            str(out),
        ]
    )
    assert code == 0
    result = _read(out)
    assert list(result[0]) == est.OUTPUT_COLUMNS
    text = out.read_text()
    assert "NA" not in text.split() and "nan" not in text.lower()
    # 4 domains (all, Nord, Sued, Ost) x (5 levels + mean + total + 3 quantiles)
    assert len(result) == 4 * (5 + 2 + 3)
    assert [r["category"] for r in result if r["variable"] == "q5" and r["domain"] == ""] == ["1", "2", "3", "4", "5"]
    empty = [r for r in result if r["domain"] == "Ost"]
    assert len(empty) == 10
    for r in empty:
        assert (r["estimate"], r["se"], r["ci_lower"], r["ci_upper"], r["n"], r["note"]) == (
            "",
            "",
            "",
            "",
            "0",
            "empty",
        )
    cols = {h: [None if r[j] == "" else str(r[j]) for r in rows] for j, h in enumerate(HEADER)}
    case = Case(
        "cli",
        cols,
        numeric=["income"],
        factor=["q5"],
        strata="stratum",
        cluster="psu",
        weight="w",
        by="region",
        lonely=lonely,
        quantiles=["0.25", "0.5", "0.75"],
        levels={"q5": ["1", "2", "3", "4", "5"]},
    )
    reference = run_r([case])
    compared = 0
    for row in result:
        if row["note"] == "empty":
            continue
        assert row["note"] == ""
        stat = {"proportion": "ciprop"}.get(row["kind"], row["kind"])
        ref = reference[("cli", stat, row["variable"], row["domain"], row["category"])]
        est_ref = (
            reference[("cli", "proportion", row["variable"], row["domain"], row["category"])][0]
            if row["kind"] == "proportion"
            else ref[0]
        )
        for ours, theirs in zip(
            (row["estimate"], row["se"], row["ci_lower"], row["ci_upper"]), (est_ref, *ref[1:]), strict=True
        ):
            assert close(float(ours), theirs), (row, ref)
            compared += 1
    assert compared == 4 * 3 * 10
    share3 = next(x for x in result if x["variable"] == "q5" and x["domain"] == "" and x["category"] == "3")
    assert float(share3["estimate"]) == 0.0 and float(share3["ci_upper"]) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--factor", "q5=1,2,4"], "line 2, column 'q5': value '5' is not one of the levels declared with --factor"),
        (["--var", "income", "--by", "region=Nord"], "value 'Sued' is not one of the levels declared with --by"),
        (["--factor", "q5=1,1,2"], "distinct, non-empty levels"),
        (["--var", "income", "--quantiles", "0.5,1.5"], "'1.5' is not between 0 and 1"),
        (["--var", "income", "--quantiles", "median"], "'median' is not a number"),
        (["--by", "region"], "nothing to estimate"),
        (["--var", "income", "--strata", "stratum", "--cluster", "psu"], "only one PSU"),
    ],
)
def test_cli_bad_declarations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    rows = _rows()
    rows[0][4] = "5"
    data = _write(tmp_path / "data.csv", rows)
    out = tmp_path / "est.csv"
    assert survey_estimate.main([str(data), *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_django_command_help_and_run(tmp_path: Path) -> None:
    help_text = survey_estimate.Command().create_parser("kommunalschutz", "survey_estimate").format_help()
    for option in ("--factor", "--quantiles", "--lonely-psu", "--adjust-domain-lonely", "COL[=L1,L2,...]"):
        assert option in help_text
    data = _write(tmp_path / "data.csv", _rows())
    out = tmp_path / "est.csv"
    call_command(
        "survey_estimate",
        str(data),
        "--factor",
        "q5",
        "--by",
        "region=Nord,Sued,West",
        "--strata",
        "stratum",
        "--weight",
        "w",
        "--lonely-psu",
        "average",
        "--adjust-domain-lonely",
        "--quantiles",
        "0.5",
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    result = _read(out)
    assert [r["category"] for r in result if r["domain"] == ""] == ["1", "2", "4", "5"]
    assert {r["note"] for r in result if r["domain"] == "West"} == {"empty"}
