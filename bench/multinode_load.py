"""Two app nodes against one, behind nginx on the same machine: ``python -m bench.multinode_load [--quick]``.

The standard size of deploy/compose.yaml (bench.multinode: the Compose file's processes from this virtual
environment, Debian's nginx, the machine's PostgreSQL and Redis) with one app node, then with two, each with
``--workers`` gunicorn workers. Per set-up, after the Saxon registry is imported:

1. registry reads: wrk against ``/api/v1/municipalities`` through nginx for ``--duration`` seconds;
2. anonymous reports: ``--clients`` threads posting valid reports (``POST /api/v1/public/reports``) through
   nginx back to back for ``--duration`` seconds (the per-client limits raised, as every report comes from
   127.0.0.1).

Reported: requests/s, p50/p99, every non-2xx answer counted as an error (0 expected), and the CPU other
programs took meanwhile. On a machine with two cores both set-ups share the same two cores, so the second node
buys no throughput here: the comparison shows what a node costs and that nothing fails across nodes; on
separate machines the nodes add their cores. Results: bench/results/multinode.json and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import load, multinode
from bench.intake_http import Burst, statuses, unthrottled
from bench.machine import cpu_sample, describe_machine, foreign_cpu_percent, wait_until_quiet
from bench.stats import summary_ms

RESULTS = Path(__file__).with_name("results") / "multinode.json"
READ_PATH = "/api/v1/municipalities?page_size=50"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.multinode_load", description=__doc__)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per part (default 20)")
    parser.add_argument("--connections", type=int, default=10, help="wrk connections (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="reporting clients (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node (default 2)")
    parser.add_argument("--quick", action="store_true", help="5 s per part")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 5
    return args


def _own_pids(cluster: multinode.Cluster) -> list[int]:
    pids = [server.process.pid for server in cluster.nodes]
    for server in cluster.nodes:
        pids += server.worker_pids()
    pids += [p.pid for p in (cluster.worker, cluster.nginx) if p is not None]
    return pids


def _measure(nodes: int, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    cluster = multinode.start(work_dir, nodes=nodes, web_concurrency=args.workers,
                              environment=unthrottled(1_000_000))
    try:
        started = time.perf_counter()
        cluster.manage("import-registry")
        result: dict[str, Any] = {"nodes": nodes, "workers_per_node": args.workers,
                                  "registry_import_s": round(time.perf_counter() - started, 1)}
        wait_until_quiet(limit_seconds=30)
        before = cpu_sample(_own_pids(cluster))
        reads = load.run(cluster.port, READ_PATH, duration=args.duration, connections=args.connections, threads=1)
        after = cpu_sample(_own_pids(cluster))
        reads.pop("wrk_output", None)
        result["reads"] = {**reads, "other_programs_cpu_percent": foreign_cpu_percent(before, after)}

        before = cpu_sample(_own_pids(cluster))
        burst = Burst(port=cluster.port, clients=args.clients, deadline=time.monotonic() + args.duration).start()
        answers = burst.join(timeout=args.duration + 120)
        after = cpu_sample(_own_pids(cluster))
        accepted = [answer.seconds for answer in answers if answer.status == 201]
        counted = statuses(answers)
        result["reports"] = {
            "clients": args.clients,
            "duration_s": args.duration,
            "accepted": len(accepted),
            "reports_per_s": round(len(accepted) / args.duration, 1),
            **(summary_ms(accepted) if accepted else {}),
            "statuses": counted,
            "error_count": sum(count for status, count in counted.items() if status != "201"),
            "other_programs_cpu_percent": foreign_cpu_percent(before, after),
        }
        return result
    finally:
        multinode.stop(cluster)


def markdown(results: dict[str, Any]) -> str:
    lines = ["| set-up | registry reads req/s | p50 / p99 ms | errors | reports/s | p50 / p99 ms | errors |"
             " other programs' CPU (reads / reports) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in results["runs"]:
        reads, reports = run["reads"], run["reports"]
        lines.append(
            f"| {run['nodes']} node(s) x {run['workers_per_node']} workers | {reads['requests_per_s']} | "
            f"{reads['p50_ms']} / {reads['p99_ms']} | {reads['error_count']} | {reports['reports_per_s']} | "
            f"{reports.get('p50_ms', '-')} / {reports.get('p99_ms', '-')} | {reports['error_count']} | "
            f"{reads['other_programs_cpu_percent']} % / {reports['other_programs_cpu_percent']} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    work = Path(tempfile.mkdtemp(prefix="ks-multinode-bench-"))
    try:
        runs = [_measure(nodes, work / f"nodes-{nodes}", args) for nodes in (1, 2)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {"machine": describe_machine(), "date": time.strftime("%Y-%m-%d"), "runs": runs}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0 if all(run["reads"]["error_count"] == 0 and run["reports"]["error_count"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
