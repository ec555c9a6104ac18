"""The goals table of `make bench` (bench/goals.py): each goal judged from its results file, a busy machine
and a missing file said as such, and every results file kept in the repository readable by it."""

from __future__ import annotations

import json
from pathlib import Path

from bench import goals


def _write(folder: Path, name: str, data: dict[str, object]) -> None:
    (folder / name).write_text(json.dumps(data), encoding="utf-8")


def _api(rps: float, p99: float, ratio: float, foreign: float) -> dict[str, object]:
    ours = {"requests_per_s": rps, "p99_ms": p99, "error_count": 0, "foreign_cpu_pct": foreign}
    bare = {"requests_per_s": rps / ratio, "p99_ms": 5.0, "error_count": 0, "foreign_cpu_pct": foreign}
    return {"machine": {"date": "2026-12-06T01:00:00+00:00", "git_commit": "abc1234", "git_dirty": False},
            "paths": {"/api/v1/municipalities": {"ours": {"10": ours}, "bare": {"10": bare},
                                                 "ratio": {"10": ratio}}}}


def _rows(folder: Path, what: str) -> list[goals.Measurement | None]:
    return [m for goal, m in goals.evaluate(folder) if goal.what.startswith(what)]


def test_a_goal_met_on_a_quiet_machine_is_met(tmp_path: Path) -> None:
    _write(tmp_path, "api_throughput.json", _api(1500, 20, 0.4, 3))
    (row,) = _rows(tmp_path, "`GET /api/v1/municipalities`")
    assert row is not None and row.met is True
    assert goals._verdict(row) == "met"
    assert "1,500 req/s" in row.text and "ours / bare WSGI: 40%" in row.ratio
    assert row.measured_on == "2026-12-06 01:00 (abc1234)"


def test_each_part_of_a_goal_counts(tmp_path: Path) -> None:
    for rps, p99, ratio in [(900, 20, 0.4), (1500, 60, 0.4), (1500, 20, 0.2)]:
        _write(tmp_path, "api_throughput.json", _api(rps, p99, ratio, 3))
        (row,) = _rows(tmp_path, "`GET /api/v1/municipalities`")
        assert row is not None and row.met is False, (rps, p99, ratio)
        assert goals._verdict(row) == "not met"


def test_a_busy_machine_is_named_beside_the_verdict(tmp_path: Path) -> None:
    _write(tmp_path, "api_throughput.json", _api(1500, 20, 0.4, 60))
    (row,) = _rows(tmp_path, "`GET /api/v1/municipalities`")
    assert row is not None and goals._verdict(row) == "met, machine busy"
    assert "| 60 % |" in goals.markdown(goals.evaluate(tmp_path))


def test_a_missing_or_broken_results_file_is_not_measured(tmp_path: Path) -> None:
    (tmp_path / "survey_letters.json").write_text("{not json", encoding="utf-8")
    table = goals.evaluate(tmp_path)
    assert len(table) == len(goals.GOALS)
    assert all(m is None for _goal, m in table)
    assert goals.markdown(table).count("| not measured |") == len(goals.GOALS)


def test_roll_up_and_full_scan_side_by_side_give_the_ratio(tmp_path: Path) -> None:
    queries = {"whole dashboard from roll-ups [all]": {"median_ms": 40.0, "p99_ms": 55.0, "foreign_cpu_pct": 2.0},
               "whole dashboard with suppression [all]": {"median_ms": 1200.0, "p99_ms": 1300.0}}
    _write(tmp_path, "case_statistics.json", {"rows": 1_000_000, "databases": {
        "postgres": {"label": "PostgreSQL + Redis", "rows": 1_000_000, "queries": queries}}})
    (row,) = _rows(tmp_path, "Case statistics")
    assert row is not None and row.met is True and row.ratio == "full scan / roll-up: 30.0x"
    assert "p99 55.0 ms" in row.text


def test_the_estimation_goal_needs_speed_and_agreement(tmp_path: Path) -> None:
    base = {"respondents": 100_000, "items": 60, "domains": 20, "ours": {"total_s": 5.0}, "r": {"total_s": 400.0},
            "ratio": 80.0, "ratio_cpu": 90.0, "foreign_cpu_pct": 1.0}
    _write(tmp_path, "survey_estimation.json", {**base, "max_rel_diff": 4e-14})
    (row,) = _rows(tmp_path, "Survey estimation")
    assert row is not None and row.met is True
    _write(tmp_path, "survey_estimation.json", {**base, "max_rel_diff": 2e-9})
    (row,) = _rows(tmp_path, "Survey estimation")
    assert row is not None and row.met is False


def test_every_results_file_in_the_repository_is_read() -> None:
    table = goals.evaluate()
    measured = {goal.results_file for goal, m in table if m is not None}
    present = {path.name for path in goals.RESULTS_DIR.glob("*.json")}
    # Every goal whose file is kept in the repository reads at least one measurement from it.
    assert {goal.results_file for goal in goals.GOALS} & present <= measured
    assert goals.markdown(table).count("\n") >= len(goals.GOALS) + 2
