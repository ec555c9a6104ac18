"""`python -m bench.api_throughput`: the public read API against a bare WSGI handler, same gunicorn, same run.

On PostgreSQL (+ Redis), DEBUG off: a throw-away production deployment (bench.deployment), `migrate`, then
all 10,953 German municipality records with their 400 districts (bench.alliance.generator's registry part,
the real keys and names of the shipped GV100AD). Then, under kommunalschutz/config/gunicorn.conf.py
(WEB_CONCURRENCY, default 2 x cores + 1 workers):

1. the platform: each public path is loaded with wrk (or the Python generator) at 10 and 50 connections;
2. a bare WSGI application (bench/bare_wsgi.py) returning the very bytes the platform answered for the
   same path, started with the same configuration and loaded by the same generator right after;
3. an authenticated read (GET /api/v1/me with a bearer token) on the platform, measured separately: it is
   not cached (permission checks per request, decision 0027).

Reported per path and connection count: requests/s, p50/p99, errors, the ratio platform/bare, and the CPU
other programs took during each load run. Results go to bench/results/api_throughput.json.
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

from bench import deployment, load
from bench.deployment import BenchError, Deployment
from bench.machine import (
    PROJECT_DIR,
    cpu_busy_percent,
    cpu_sample,
    describe_machine,
    foreign_cpu_percent,
    postgres_version,
    redis_version,
    wait_until_quiet,
)

RESULTS = Path(__file__).with_name("results") / "api_throughput.json"
PATHS = (
    "/api/v1/municipalities",
    "/api/v1/municipalities?land=09&page=3",
    "/api/v1/districts",
    "/api/v1/municipalities/{ags}",  # the first municipality of the first page
)
AUTH_PATH = "/api/v1/me"
# Our own Redis database and key prefix: nothing shared is flushed.
REDIS_URL = "redis://127.0.0.1:6379/11"
REDIS_PREFIX = "i14api:"
# Five workers importing Django on two cores that others are using too can take over a minute.
READY_SECONDS = 240
GOAL_RATIO = 0.25
GOAL_P99_MS = 50.0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api_throughput", description=__doc__)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per measurement (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--connections", default="10,50", help="comma-separated (default 10,50)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--fraction", type=float, default=1.0, help="share of the municipalities (default 1)")
    parser.add_argument("--wait-idle", type=int, default=20, help="wait up to this many seconds for quiet "
                        "before each load run (default 20)")
    parser.add_argument("--max-requests", type=int, default=0, help="GUNICORN_MAX_REQUESTS for both servers "
                        "(default: gunicorn.conf.py's 2000; each worker restarts after that many requests, which "
                        "at hundreds of requests per second means every few seconds)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s load, a tenth of the data")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir and logs")
    parser.add_argument("--generate-child", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(duration=3, warmup=1, fraction=0.1, wait_idle=3)
    args = parser.parse_args(argv)
    args.connection_counts = [int(c) for c in args.connections.split(",") if c.strip()]
    if not all(1 <= c <= 256 for c in args.connection_counts) or not 1 <= args.duration <= 600:
        parser.error("connections must be 1-256 and --duration 1-600")
    if not 0 < args.fraction <= 1:
        parser.error("--fraction must be above 0 and at most 1")
    return args


def _generate_child(fraction: float) -> None:
    """In the deployment's environment: write the national registry (no alliance records)."""
    import django

    django.setup()
    from django.db import transaction

    from bench.alliance import generator

    started = time.perf_counter()
    gazetteer = generator.read_gazetteer(generator.data_dir() / generator.GV100AD_FILE)
    chosen = gazetteer.municipalities[::max(1, round(1 / fraction))]
    with transaction.atomic():
        registry = generator.build_registry(gazetteer, chosen, seed=generator.SEED)
        writer = generator._Writer(generator.BATCH_SIZE)
        writer.write(list(registry.directorates.values()))
        writer.write(list(registry.districts.values()))
        writer.write(registry.municipalities)
    print("BENCH_RESULT " + json.dumps({"municipalities": len(registry.municipalities),
                                        "districts": len(registry.districts),
                                        "seconds": round(time.perf_counter() - started, 1)}))


def _generate(dep: Deployment, fraction: float) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.api_throughput", "--generate-child", "--fraction",
                           str(fraction)], cwd=PROJECT_DIR, env=dep.env, stdout=subprocess.PIPE, text=True,
                          timeout=900, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"generating the registry failed ({done.returncode})")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    return result


def _token(dep: Deployment) -> str:
    """A bench account with a token (the coordination office's role, so /me has something to show)."""
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); "
         "from kommunalschutz.foundation.accounts.models import User; "
         "User.objects.create_user('bench-api', 'bench-api@example.invalid', None)"],
        cwd=PROJECT_DIR, env=dep.env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise BenchError(f"creating the bench account failed: {done.stderr[-2000:]}")
    done = subprocess.run([sys.executable, "-m", "kommunalschutz", "createtoken", "bench-api", "--name", "bench"],
                          cwd=PROJECT_DIR, env=dep.env, capture_output=True, text=True, timeout=120, check=False)
    candidates = [word for word in done.stdout.split() if len(word) >= 32]
    if done.returncode != 0 or not candidates:
        raise BenchError(f"createtoken failed: {done.stderr[-2000:]}")
    return candidates[-1]


def _measure(server: deployment.Server, dep: Deployment | None, path: str, connections: int,
             args: argparse.Namespace, headers: dict[str, str] | None = None) -> dict[str, Any]:
    if args.warmup:
        load.run(server.port, path, duration=args.warmup, connections=connections, threads=args.threads,
                 headers=headers)
    busy = wait_until_quiet(limit_seconds=args.wait_idle)
    own = [server.process.pid, *server.worker_pids(), *(deployment.postgres_backend_pids(dep) if dep else [])]
    before = cpu_sample(own)
    result = load.run(server.port, path, duration=args.duration, connections=connections, threads=args.threads,
                      headers=headers)
    own = sorted({*own, *server.worker_pids(), *(deployment.postgres_backend_pids(dep) if dep else [])})
    result["foreign_cpu_pct"] = foreign_cpu_percent(before, cpu_sample(own))
    result["busy_before_pct"] = busy
    result.pop("wrk_output", None)
    print(f"  {path} c={connections}: {result['requests_per_s']} req/s, p50 {result['p50_ms']} ms, "
          f"p99 {result['p99_ms']} ms, errors {result['error_count']}, others' CPU {result['foreign_cpu_pct']}%",
          file=sys.stderr, flush=True)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    work_dir = Path(tempfile.mkdtemp(prefix="ks-api-bench-"))
    environment = {"GUNICORN_MAX_REQUESTS": str(args.max_requests)} if args.max_requests else {}
    dep = deployment.create("postgres", work_dir, redis_url=REDIS_URL, redis_key_prefix=REDIS_PREFIX,
                            environment=environment)
    results: dict[str, Any] = {"paths": {}, "authenticated": {}}
    try:
        print("[api] migrate, collectstatic, national registry", file=sys.stderr, flush=True)
        deployment.manage(dep, "migrate", "migrate", "--noinput")
        deployment.manage(dep, "collectstatic", "collectstatic", "--noinput")
        results["data"] = _generate(dep, args.fraction)
        token = _token(dep)
        bodies: dict[str, bytes] = {}
        with deployment.gunicorn(dep, PATHS[0], timeout=READY_SECONDS) as server:
            results["workers"] = server.workers
            paths = list(PATHS)
            for index, path in enumerate(paths):
                if "{ags}" in path:
                    listed = json.loads(bodies[PATHS[0]])["results"]
                    path = paths[index] = path.format(ags=listed[0]["ags"])
                first = deployment.get(server.port, path)
                if first.status != 200:
                    raise BenchError(f"GET {path} answered {first.status}")
                etag = first.headers.get("etag")
                again = deployment.get(server.port, path, {"If-None-Match": etag}) if etag else None
                bodies[path] = first.body
                results["paths"][path] = {"bytes": len(first.body), "etag": etag,
                                          "revalidation_status": again.status if again else None,
                                          "ours": {}, "bare": {}}
                for connections in args.connection_counts:
                    print(f"[api] ours {path} c={connections}", file=sys.stderr, flush=True)
                    results["paths"][path]["ours"][connections] = _measure(server, dep, path, connections, args)
            auth = {"Authorization": f"Bearer {token}"}
            probe = deployment.get(server.port, AUTH_PATH, auth)
            if probe.status != 200:
                raise BenchError(f"GET {AUTH_PATH} with a token answered {probe.status}")
            for connections in args.connection_counts:
                print(f"[api] ours {AUTH_PATH} (token) c={connections}", file=sys.stderr, flush=True)
                results["authenticated"][connections] = _measure(server, dep, AUTH_PATH, connections, args, auth)
            results["worker_rss_mib"] = server.worker_rss_mib()
        for path in paths:
            body_file = dep.var_dir / "bare-body.json"
            body_file.write_bytes(bodies[path])
            dep.env["BENCH_BARE_BODY"] = str(body_file)
            with deployment.gunicorn(dep, path, app="bench.bare_wsgi:application", log_name="gunicorn-bare",
                                   timeout=READY_SECONDS) as bare:
                if deployment.get(bare.port, path).body != bodies[path]:
                    raise BenchError("the bare handler does not answer the same bytes")
                for connections in args.connection_counts:
                    print(f"[api] bare {path} c={connections}", file=sys.stderr, flush=True)
                    results["paths"][path]["bare"][connections] = _measure(bare, None, path, connections, args)
        for entry in results["paths"].values():
            entry["ratio"] = {c: round(entry["ours"][c]["requests_per_s"] / entry["bare"][c]["requests_per_s"], 3)
                              for c in args.connection_counts if entry["bare"][c]["requests_per_s"]}
    finally:
        dep.env.pop("BENCH_BARE_BODY", None)
        if args.keep:
            print(f"kept {work_dir}", file=sys.stderr)
        deployment.destroy(dep)
        if not args.keep:
            shutil.rmtree(work_dir, ignore_errors=True)
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = ["| path | conn. | ours req/s | bare req/s | ours/bare | ours p50 / p99 ms | bare p50 / p99 ms "
             "| errors (ours, bare) | others' CPU % (ours, bare) |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for path, entry in results["paths"].items():
        for connections, ours in entry["ours"].items():
            bare = entry["bare"][connections]
            lines.append(
                f"| `{path}` | {connections} | {ours['requests_per_s']:,.0f} | {bare['requests_per_s']:,.0f} | "
                f"{entry['ratio'].get(connections, 0):.0%} | {ours['p50_ms']} / {ours['p99_ms']} | "
                f"{bare['p50_ms']} / {bare['p99_ms']} | {ours['error_count']}, {bare['error_count']} | "
                f"{ours['foreign_cpu_pct']}, {bare['foreign_cpu_pct']} |")
    for connections, auth in results["authenticated"].items():
        lines.append(f"| `{AUTH_PATH}` (token, not cached) | {connections} | {auth['requests_per_s']:,.0f} | - | - | "
                     f"{auth['p50_ms']} / {auth['p99_ms']} | - | {auth['error_count']} | {auth['foreign_cpu_pct']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.generate_child:
        _generate_child(args.fraction)
        return 0
    reason = deployment.postgres_available()
    if reason:
        print(f"PostgreSQL not reachable ({reason}); the API throughput bench needs it", file=sys.stderr)
        return 1
    started = time.monotonic()
    machine = describe_machine()
    machine["cpu_busy_pct_at_start"] = cpu_busy_percent(2.0)
    machine["postgresql"] = postgres_version(deployment.POSTGRES_ADMIN_DSN)
    machine["redis"] = redis_version(REDIS_URL)
    machine["load_generator"] = "wrk" if load.wrk_available() else "python-threads"
    results = run(args)
    results.update({
        "schema": 1, "machine": machine,
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connection_counts,
                     "threads": args.threads, "fraction": args.fraction,
                     "gunicorn_max_requests": args.max_requests or "gunicorn.conf.py default (2000)"},
        "total_seconds": round(time.monotonic() - started, 1),
    })
    deployment.write_results(args.output, results)
    print(markdown(results))
    first = results["paths"][PATHS[0]]
    ten = min(args.connection_counts, key=lambda c: abs(c - 10))
    met = (first["ratio"].get(ten, 0) >= GOAL_RATIO and first["ours"][ten]["p99_ms"] < GOAL_P99_MS
           and all(r["error_count"] == 0 for e in results["paths"].values() for r in e["ours"].values()))
    print(f"\ngoal (>= {GOAL_RATIO:.0%} of bare, p99 < {GOAL_P99_MS:.0f} ms at {ten} connections, 0 errors): "
          f"{'met' if met else 'NOT met'}; written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
