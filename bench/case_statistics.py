"""`python -m bench.case_statistics [--quick]`: the case statistics over 1,000,000 statistical records.

Per database (SQLite, then PostgreSQL if reachable): a throw-away deployment (bench.deployment),
`migrate`, then a child process (this module with --child) that writes the real 400 German districts
of the shipped Gemeindeverzeichnis (GV100AD, one synthetic police directorate per Land, as
bench.alliance does) and N synthetic IncidentStatistic rows over ten years (2016-2025) with a
realistic mix (mostly insults and threats, few assaults; letters, e-mail and social media; mostly
council members and mayors; about 8 % acute), written with COPY on PostgreSQL and executemany on
SQLite. Then it times each statistics query of the dashboard (warm-up, repetitions; median and p99)
and the whole dashboard build with suppression (tables.build), for the default filter (ten years,
all districts) and for one district; the shared reads of a build (selectors.load) are timed too.
Roll-ups (decision 0031): after the bulk load the roll-ups are rebuilt (timed); the three shared reads
are timed from the roll-ups and by the full scan they replace, side by side with the foreign CPU load;
the whole dashboard is built both ways ("from roll-ups" and, with the scans swapped back in, "with
suppression" as before); at the end the roll-ups are checked against a full recount.
Prints a Markdown table and writes bench/results/case_statistics.json. --quick: 100,000
rows, fewer repetitions (a smoke test).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "case_statistics.json"
SEED = 20260401
START_YEAR, END_YEAR = 2016, 2025
BATCH = 20_000

# realistic mix (weights), in the order of the models' choices
TYPE_WEIGHTS = {"insult": 40, "threat": 22, "coercion": 5, "harassment": 8, "doxing": 3, "hate_mail": 10,
                "property_damage": 7, "arson": 0.5, "assault": 1.5, "other": 3}
CHANNEL_WEIGHTS = {"in_person": 18, "letter": 14, "email": 22, "phone": 8, "social_media": 33, "other": 5}
ROLE_WEIGHTS = {"mayor": 28, "district_administrator": 4, "council_member": 38, "honorary_official": 12,
                "staff": 14, "family_member": 4}
MOTIVATION_WEIGHTS = {"yes": 45, "no": 15, "unknown": 40}
INTAKE_WEIGHTS = {"self": 60, "on_behalf": 28, "anonymous": 12}
COLUMNS = ("reported_on", "occurred_month", "district_id", "police_directorate_id", "type_mask", "channel",
           "affected_role", "politically_motivated", "intake", "is_acute", "acknowledgement_minutes",
           "measure_mask", "referral_mask", "closing_reason", "is_closed", "anonymised", "is_synthetic")


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _registry() -> list[tuple[int, int]]:
    """The 400 districts of the shipped GV100AD (and a directorate per Land): (district id, directorate id)."""
    from bench.alliance.generator import GV100AD_FILE, STAMP, data_dir, read_gazetteer
    from kommunalschutz.foundation.registry.models import District, PoliceDirectorate

    gazetteer = read_gazetteer(data_dir() / GV100AD_FILE)
    directorates = {land: PoliceDirectorate(code=f"bench-pd-{land}", name=f"Polizei {name} (synthetisch)",
                                            updated_at=STAMP)
                    for land, name in sorted(gazetteer.lands.items())}
    PoliceDirectorate.objects.bulk_create(directorates.values())
    districts = [District(ags=key, name=name, seat=seat, land=key[:2], reference_date=gazetteer.reference_date,
                          kind=District.Kind.RURAL, police_directorate=directorates[key[:2]], updated_at=STAMP)
                 for key, (name, _code, seat) in sorted(gazetteer.districts.items())]
    District.objects.bulk_create(districts)
    return [(d.pk, d.police_directorate_id) for d in District.objects.all() if d.police_directorate_id is not None]


def _rows(count: int, places: list[tuple[int, int]], seed: int) -> Any:
    from kommunalschutz.protection.cases.models import IncidentType
    from kommunalschutz.protection.measures.models import MeasureKind, Partner

    rng = random.Random(seed)
    types = IncidentType.values
    weights = [TYPE_WEIGHTS[t] for t in types]
    kinds = MeasureKind.values
    categories = Partner.Category.values
    # more reports in later years (the police figures roughly tripled from 2019 to 2024)
    year_weights = [1 + 0.25 * (y - START_YEAR) for y in range(START_YEAR, END_YEAR + 1)]
    years = list(range(START_YEAR, END_YEAR + 1))
    district_weights = [rng.uniform(0.3, 3.0) for _ in places]
    for _ in range(count):
        year = rng.choices(years, weights=year_weights)[0]
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        occurred = dt.date(year, month, 1)
        reported = dt.date(year, month, day)
        district, directorate = rng.choices(places, weights=district_weights)[0]
        mask = 1 << types.index(rng.choices(types, weights=weights)[0])
        if rng.random() < 0.25:
            mask |= 1 << types.index(rng.choices(types, weights=weights)[0])
        acute = rng.random() < (0.35 if mask & (1 << types.index("assault")) else 0.08)
        acknowledged = rng.random() < 0.93
        minutes = (int(rng.lognormvariate(3.5 if acute else 6.8, 0.9)) if acknowledged else None)
        measures = 0
        referrals = 0
        for kind in kinds:
            if rng.random() < 0.18:
                measures |= 1 << kinds.index(kind)
        if measures & (1 << kinds.index("referral")):
            referrals |= 1 << rng.randrange(len(categories))
        closed = year < END_YEAR or rng.random() < 0.5
        yield (reported, occurred, district, directorate, mask, _pick(rng, CHANNEL_WEIGHTS), _pick(rng, ROLE_WEIGHTS),
               _pick(rng, MOTIVATION_WEIGHTS), _pick(rng, INTAKE_WEIGHTS), acute, minutes, measures, referrals,
               "resolved" if closed else "", closed, closed and year < END_YEAR - 2, True)


def _insert(count: int, places: list[tuple[int, int]], seed: int) -> float:
    from django.db import connection, transaction

    from kommunalschutz.protection.cases.models import IncidentStatistic

    table = IncidentStatistic._meta.db_table
    started = time.perf_counter()
    rows = _rows(count, places, seed)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            raw = connection.connection
            assert raw is not None
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
            with connection.cursor() as cursor:
                batch: list[tuple[Any, ...]] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= BATCH:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
    return time.perf_counter() - started


def _time(call: Callable[[], Any], runs: int, warmup: int) -> dict[str, Any]:
    for _ in range(warmup):
        call()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    ordered = sorted(seconds)
    p99 = ordered[max(0, min(len(ordered) - 1, int(0.99 * len(ordered) + 0.999) - 1))]
    return {"n": runs, "median_ms": round(statistics.median(seconds) * 1000, 1), "p99_ms": round(p99 * 1000, 1),
            "min_ms": round(ordered[0] * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection

    from bench.machine import cpu_sample, foreign_cpu_percent
    from kommunalschutz.protection.cases import rollups
    from kommunalschutz.protection.cases.models import IncidentStatistic, IncidentType, type_bit
    from kommunalschutz.protection.casestats import selectors, tables
    from kommunalschutz.protection.measures.models import MeasureKind, Partner, measure_bit, referral_bit

    places = _registry()
    print(f"  {len(places)} districts; writing {args.rows:,} statistical records", file=sys.stderr, flush=True)
    insert_s = _insert(args.rows, places, args.seed)
    analyse_s = None
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        analyse_s = round(time.perf_counter() - started, 2)
    assert IncidentStatistic.objects.count() == args.rows
    # COPY/executemany bypass the model's save, as the demo's bulk_create does: count the roll-ups once.
    print("  rebuilding the roll-ups", file=sys.stderr, flush=True)
    started = time.perf_counter()
    rollup_rows, histogram_rows = rollups.rebuild()
    rebuild_s = round(time.perf_counter() - started, 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    everything = selectors.StatisticsFilter(dt.date(START_YEAR, 1, 1), dt.date(END_YEAR, 12, 1))
    district = selectors.StatisticsFilter(everything.start, everything.end, district_id=places[len(places) // 2][0])
    types = {c: type_bit(c) for c in IncidentType.values}
    kinds = {c: measure_bit(c) for c in MeasureKind.values}
    categories = {c: referral_bit(c) for c in Partner.Category.values}
    queries: dict[str, Callable[[selectors.StatisticsFilter], Any]] = {
        "per_month": selectors.count_by_month,
        "types (bit sums)": lambda f: selectors.count_by_bits(f, "type_mask", types),
        "channel": lambda f: selectors.count_by_field(f, "channel"),
        "affected_role": lambda f: selectors.count_by_field(f, "affected_role"),
        "district": lambda f: selectors.count_by_field(f, "district_id"),
        "political motivation": lambda f: selectors.count_by_field(f, "politically_motivated"),
        "intake": lambda f: selectors.count_by_field(f, "intake"),
        "acute": lambda f: selectors.count_by_field(f, "is_acute"),
        "acknowledgement percentiles": selectors.acknowledgement_times,
        "measures (bit sums)": lambda f: selectors.count_by_bits(f, "measure_mask", kinds),
        "referrals (bit sums)": lambda f: selectors.count_by_bits(f, "referral_mask", categories),
        # the shared reads of one dashboard build (selectors.load): what tables.build runs
        "shared: monthly counts of all categories and bits (one scan)": lambda f: selectors.load(f).monthly,
        "shared: district": lambda f: selectors.load(f).count_by_field("district_id"),
        "shared: acknowledgement percentiles": lambda f: selectors.load(f).acknowledgement_times(),
    }
    # The same three shared reads, once from the roll-ups (what the dashboard does now) and once by the full
    # scan of the statistical record they replace (what it did before decision 0031), side by side.
    comparison: dict[str, tuple[Callable[[selectors.StatisticsFilter], Any],
                                Callable[[selectors.StatisticsFilter], Any]]] = {
        "monthly counts of all categories and bits": (
            lambda f: selectors.load(f).monthly, selectors._scan_monthly_counts),
        "district x month": (lambda f: selectors.load(f).count_by_field("district_id"),
                             lambda f: selectors.scan_grouped_counts(f, "district_id")),
        # what Snapshot picks at national scale: the histogram without a place filter, else the exact read
        "acknowledgement percentiles": (
            lambda f: (selectors.histogram_acknowledgement_times(f) if f.district_id is None
                       else selectors.exact_acknowledgement_times(f)), selectors.exact_acknowledgement_times),
        "all three": (lambda f: _shared_reads(selectors.load(f)), lambda f: _scan_reads(selectors, f)),
    }
    own = [os.getpid()]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own.append(cursor.fetchone()[0])
    results: dict[str, Any] = {"vendor": connection.vendor, "rows": args.rows, "districts": len(places),
                               "insert_s": round(insert_s, 1), "analyze_s": analyse_s, "queries": {},
                               "rollup_rebuild_s": rebuild_s, "rollup_rows": rollup_rows,
                               "histogram_rows": histogram_rows, "comparison": {}}
    for label, flt in (("all", everything), ("one district", district)):
        before = cpu_sample(own)
        for name, (rolled, scanned) in comparison.items():
            print(f"  {label}: roll-up vs full scan: {name}", file=sys.stderr, flush=True)
            rolled_t = _time(partial(rolled, flt), args.runs, args.warmup)
            scanned_t = _time(partial(scanned, flt), args.runs, args.warmup)
            results["comparison"][f"{name} [{label}]"] = {
                "rollup": rolled_t, "scan": scanned_t,
                "speed_up_median": round(scanned_t["median_ms"] / max(rolled_t["median_ms"], 0.01), 1)}
        results["comparison"][f"foreign CPU % [{label}]"] = foreign_cpu_percent(before, cpu_sample(own))
        for name, query in queries.items():
            print(f"  {label}: {name}", file=sys.stderr, flush=True)
            results["queries"][f"{name} [{label}]"] = _time(partial(query, flt), args.runs, args.warmup)
        print(f"  {label}: whole dashboard", file=sys.stderr, flush=True)
        results["queries"][f"whole dashboard from roll-ups [{label}]"] = _time(
            partial(tables.build, flt), max(3, args.runs // 3), 1)
        # The same build as before the roll-ups: the snapshot's reads swapped for the scans they replaced.
        with _full_scan_reads(selectors):
            results["queries"][f"whole dashboard with suppression [{label}]"] = _time(
                partial(tables.build, flt), max(3, args.runs // 3), 1)
    results["rollups_agree_with_recount"] = rollups.differences(limit=1) == []
    board = tables.build(everything)
    results["incidents"] = board.table("per_year").column_totals[0].value  # type: ignore[index]
    print("BENCH_RESULT " + json.dumps(results), flush=True)


@contextlib.contextmanager
def _full_scan_reads(selectors: Any) -> Iterator[None]:
    """Within the block, a dashboard build reads as it did before decision 0031: one scan of the record per
    month for the categories and bits, one GROUP BY (district, month), exact percentiles from the record."""
    saved = selectors._monthly_counts, selectors._grouped_counts, selectors.EXACT_ACK_LIMIT
    selectors._monthly_counts = selectors._scan_monthly_counts
    selectors._grouped_counts = selectors.scan_grouped_counts
    selectors.EXACT_ACK_LIMIT = sys.maxsize
    try:
        yield
    finally:
        selectors._monthly_counts, selectors._grouped_counts, selectors.EXACT_ACK_LIMIT = saved


def _shared_reads(data: Any) -> Any:
    return data.monthly, data.count_by_field("district_id"), data.acknowledgement_times()


def _scan_reads(selectors: Any, flt: Any) -> Any:
    return (selectors._scan_monthly_counts(flt), selectors.scan_grouped_counts(flt, "district_id"),
            selectors.exact_acknowledgement_times(flt))


def _bench(kind: Any, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from bench import deployment

    child_args = ["--rows", str(args.rows), "--runs", str(args.runs), "--warmup", str(args.warmup),
                  "--seed", str(args.seed)]
    return deployment.run_child(kind, work_dir, "case_statistics", child_args, timeout=7200)


def markdown(results: dict[str, Any]) -> str:
    databases = [name for name in ("sqlite", "postgres") if name in results["databases"]]
    lines = [f"Case statistics over {results['rows']:,} statistical records ({results['districts']} districts, "
             f"{START_YEAR}-{END_YEAR}); median / p99 in ms", "",
             "| query | " + " | ".join(results["databases"][d]["label"] for d in databases) + " |",
             "|---|" + "---:|" * len(databases)]
    names = list(results["databases"][databases[0]]["queries"]) if databases else []
    for name in names:
        cells = []
        for d in databases:
            q = results["databases"][d]["queries"][name]
            cells.append(f"{q['median_ms']} / {q['p99_ms']}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Roll-ups vs the full scan they replace, same run (median / p99 in ms, speed-up of the median)",
              "", "| shared read | " + " | ".join(f"{results['databases'][d]['label']} roll-up | full scan | x"
                                                  for d in databases) + " |",
              "|---|" + "---:|---:|---:|" * len(databases)]
    compared = list(results["databases"][databases[0]].get("comparison", {})) if databases else []
    for name in compared:
        cells = []
        for d in databases:
            entry = results["databases"][d]["comparison"].get(name)
            if isinstance(entry, dict):
                cells.append(f"{entry['rollup']['median_ms']} / {entry['rollup']['p99_ms']} | "
                             f"{entry['scan']['median_ms']} / {entry['scan']['p99_ms']} | {entry['speed_up_median']}")
            else:
                cells.append(f"{entry} | | ")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| roll-up rows / histogram rows / rebuild (s) | " + " | ".join(
        f"{results['databases'][d].get('rollup_rows')} | {results['databases'][d].get('histogram_rows')} | "
        f"{results['databases'][d].get('rollup_rebuild_s')}" for d in databases) + " |")
    lines.append("| bulk insert (s) | " + " | ".join(str(results["databases"][d]["insert_s"]) for d in databases)
                 + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.case_statistics", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="statistical records (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=15, help="timed repetitions per query (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 5 repetitions")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(rows=100_000, runs=5, warmup=1)
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 20_000_000 or not 1 <= args.runs <= 500 or not 0 <= args.warmup <= 50:
        parser.error("--rows 1..20,000,000, --runs 1..500, --warmup 0..50")
    if args.child:
        child(args)
        return
    from bench import deployment
    from bench.machine import describe_machine

    results: dict[str, Any] = {"rows": args.rows, "runs": args.runs, "seed": args.seed,
                               "command": "python -m bench.case_statistics" + (" --quick" if args.quick else ""),
                               "machine": describe_machine(), "databases": {}}
    results["databases"] = deployment.per_database("case_statistics", args.databases,
                                                   lambda kind, work_dir: _bench(kind, work_dir, args))
    first: dict[str, Any] = next(iter(results["databases"].values()), {})
    results["districts"] = first.get("districts", 0)
    deployment.write_results(args.output, results)
    print(markdown(results))


if __name__ == "__main__":
    main()
