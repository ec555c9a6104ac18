"""Backup and restore times: ``python -m bench.backup_restore [--quick]``.

On PostgreSQL (the standard size), two instances, each a throw-away deployment (bench.deployment):

- demo: ``migrate``, the Saxon registry, the PKS figures, the programme and ``kommunalschutz demo`` (as
  ``make run`` builds it), with its stored files in the database (FILE_STORAGE=database, the default);
- national: ``migrate``, the 400 German districts and ``--rows`` synthetic statistical records over ten years
  (bench.case_statistics writes them with COPY; its roll-ups rebuilt), the scale of a national roll-out.

For each: ``kommunalschutz backup`` (timed; the archive's size beside the database's), then
``kommunalschutz restore`` into a fresh empty database with the same keys (timed), then ``verify-audit`` on
the restored instance. The CPU other programs took meanwhile is recorded. Results:
bench/results/backup_restore.json and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import deployment
from bench.deployment import BenchError, Deployment
from bench.machine import PROJECT_DIR, cpu_sample, describe_machine, foreign_cpu_percent

RESULTS = Path(__file__).with_name("results") / "backup_restore.json"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.backup_restore", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="statistical records (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 records")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = 100_000
    return args


def _database_bytes(dep: Deployment) -> int:
    import psycopg

    with psycopg.connect(deployment.POSTGRES_ADMIN_DSN) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", [dep.database_name]).fetchone()
        assert row is not None
        return int(row[0])


def _timed(dep: Deployment, name: str, *args: str) -> tuple[float, float | None]:
    """Wall seconds of a command, and the share of the CPU other programs took meanwhile."""
    before = cpu_sample([])
    seconds = deployment.manage(dep, name, *args, timeout=3600)
    after = cpu_sample([])
    return round(seconds, 1), foreign_cpu_percent(before, after)


def _round_trip(dep: Deployment, work: Path) -> dict[str, Any]:
    archive = work / "backup.tar.gz"
    backup_s, backup_cpu = _timed(dep, "backup", "backup", "--output", str(archive))
    target = deployment.create("postgres", work / "target", redis_key_prefix=f"ks-restore-{time.time_ns()}:",
                               environment={key: dep.env[key] for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS")})
    try:
        restore_s, restore_cpu = _timed(target, "restore", "restore", str(archive))
        deployment.manage(target, "verify", "verify-audit", timeout=3600)
        restored_bytes = _database_bytes(target)
    finally:
        deployment.destroy(target)
    return {"database_mib": round(_database_bytes(dep) / 2**20, 1),
            "archive_mib": round(archive.stat().st_size / 2**20, 1),
            "backup_s": backup_s, "backup_other_cpu_percent": backup_cpu,
            "restore_s": restore_s, "restore_other_cpu_percent": restore_cpu,
            "restored_database_mib": round(restored_bytes / 2**20, 1)}


def _demo(work: Path) -> dict[str, Any]:
    # The demo's account e-mails go nowhere (no mail server here).
    dep = deployment.create("postgres", work / "demo", redis_key_prefix=f"ks-demo-{time.time_ns()}:",
                            environment={"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"})
    try:
        deployment.manage(dep, "migrate", "migrate", "--noinput", "-v0", timeout=900)
        for command in (["import-registry"], ["import-pks", "--bundled"], ["load-programme"],
                        ["demo", "--force-demo"]):
            deployment.manage(dep, command[0], *command, timeout=1800)
        return {"instance": "demo", **_round_trip(dep, work / "demo-trip")}
    finally:
        deployment.destroy(dep)


def _national(work: Path, rows: int) -> dict[str, Any]:
    dep = deployment.create("postgres", work / "national", redis_key_prefix=f"ks-national-{time.time_ns()}:")
    try:
        deployment.manage(dep, "migrate", "migrate", "--noinput", "-v0", timeout=900)
        done = subprocess.run([sys.executable, "-m", "bench.backup_restore", "--child", str(rows)], cwd=PROJECT_DIR,
                              env=dep.env, capture_output=True, text=True, timeout=3600, check=False)
        if done.returncode != 0:
            raise BenchError(f"loading the national data failed:\n{done.stderr[-2000:]}")
        return {"instance": f"national ({rows:,} statistical records, 400 districts)",
                **_round_trip(dep, work / "national-trip")}
    finally:
        deployment.destroy(dep)


def child(rows: int) -> None:
    """In the deployment's environment: the districts and the statistical records, then the roll-ups."""
    import django

    django.setup()
    from bench.case_statistics import _insert, _registry
    from kommunalschutz.protection.cases import rollups

    places = _registry()
    _insert(rows, places, 7)
    rollups.rebuild()


def markdown(results: dict[str, Any]) -> str:
    lines = ["| instance | database | archive | backup | restore | other programs' CPU (backup / restore) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for run in results["runs"]:
        lines.append(f"| {run['instance']} | {run['database_mib']} MiB | {run['archive_mib']} MiB | "
                     f"{run['backup_s']} s | {run['restore_s']} s | {run['backup_other_cpu_percent']} % / "
                     f"{run['restore_other_cpu_percent']} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]))
        return 0
    args = _parse(argv)
    unreachable = deployment.postgres_available()
    if unreachable is not None:
        raise BenchError(f"PostgreSQL is not reachable (BENCH_POSTGRES_DSN): {unreachable}")
    work = Path(tempfile.mkdtemp(prefix="ks-backup-bench-"))
    try:
        runs = [_demo(work), _national(work, args.rows)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {"machine": describe_machine(), "date": time.strftime("%Y-%m-%d"), "runs": runs}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
