"""`python -m bench.national_map`: the public alliance map for all of Germany (issue 14, item 5; decision 0033).

Per database (SQLite, then PostgreSQL + Redis if reachable): a throw-away production deployment (gunicorn,
WhiteNoise with its compressed static files), `migrate`, `collectstatic`, the national data set of
bench.alliance.generator (10,953 municipalities, ten years of alliance records; Saxony with its real VG5000
boundaries, every other municipality a synthetic 14-corner polygon), then:

* **first load**: the bytes of everything the map page loads before it is usable - the HTML, every script
  and stylesheet it links, the base map, the boundaries at the level the script asks for first and the map
  layer - each fetched once with `Accept-Encoding: gzip` (what a browser transfers) and once without;
* **before / after**: the paths the old page used, which still exist - the whole GeoJSON (now only the
  registry's API) and the layer built on every request (`?as_of=`, uncached) - beside the compact boundaries
  and the layer cached by data version;
* **latency**: sequential timed requests (one client) to the page (random dates and table pages), the layer,
  the compact boundaries and the GeoJSON, with the CPU other programs used meanwhile (bench.machine);
* **time to interactive** (if Chromium and Playwright are there): from navigation to the map's
  `data-state="ready"` (shapes drawn and coloured, table rendered), in headless Chromium on this machine, read
  from the `map-ready` performance mark the page sets with the attribute (the moment Playwright noticed it is
  kept beside it); the browser's processes count as the bench's own CPU, not as foreign load.

Results go to bench/results/national_map.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import deployment
from bench.alliance.generator import END, SEED, START
from bench.deployment import BenchError, Deployment, Kind
from bench.machine import (
    PROJECT_DIR,
    cpu_sample,
    descendant_pids,
    describe_machine,
    foreign_cpu_percent,
    process_seconds,
    wait_until_quiet,
)
from bench.stats import summary_ms

RESULTS = Path(__file__).with_name("results") / "national_map.json"
PAGE_PATH = "/programm/karte/"
LAYER_PATH = "/api/v1/alliance/map"
COMPACT_PATH = "/api/v1/geo/municipalities.compact.json"
GEOJSON_PATH = "/api/v1/geo/municipalities.geojson"
READY_PATH = "/api/v1/municipalities"
GOAL_BYTES = 1_000_000
GOAL_INTERACTIVE_MS = 1000
CHROMIUM = "/usr/bin/chromium"
GZIP = {"Accept-Encoding": "gzip"}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.national_map", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--fraction", type=float, default=1.0, help="share of the municipalities (default 1)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per path (default 100)")
    parser.add_argument("--browser-runs", type=int, default=5, help="page loads in Chromium, 0 to skip (default 5)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the municipalities, 20 requests")
    parser.add_argument("--wait-idle", type=int, default=30, help="seconds to wait for a quiet machine first")
    parser.add_argument("--output", type=Path, default=RESULTS)
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(fraction=0.1, requests=20, browser_runs=2, wait_idle=5)
    args = parser.parse_args(argv)
    if not 0 < args.fraction <= 1:
        parser.error("--fraction must be above 0 and at most 1")
    for name, low, high in [("requests", 5, 2000), ("browser_runs", 0, 50), ("wait_idle", 0, 600)]:
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    return args


def _generate(dep: Deployment, fraction: float) -> dict[str, Any]:
    code = ("import django, json; django.setup(); from bench.alliance.generator import generate; "
            f"report = generate(fraction={fraction!r}); print('BENCH_RESULT ' + json.dumps(report.as_dict()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env=dep.env, stdout=subprocess.PIPE,
                          text=True, timeout=1800, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"generating the national data failed ({done.returncode})")
    report: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    return {"seconds": round(report["seconds"], 1), "counts": report["counts"]}


def _size(port: int, path: str) -> dict[str, Any]:
    zipped = deployment.get(port, path, GZIP)
    plain = deployment.get(port, path)
    if zipped.status != 200 or plain.status != 200:
        raise BenchError(f"GET {path} answered {plain.status}/{zipped.status}")
    return {"path": path, "gzip": len(zipped.body), "plain": len(plain.body),
            "encoding": zipped.headers.get("content-encoding", "identity")}


def _first_load(port: int, page: str) -> dict[str, Any]:
    """Everything the page needs before it is usable, with and without compression."""
    html = deployment.get(port, page).body.decode()
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+\.(?:js|css))"', html)
    basemap = re.findall(r'data-basemap-url="([^"]+)"', html)
    boundaries = re.search(r'data-boundaries-url="([^"]+)"', html)
    layer = re.search(r'data-layer-url="([^"]+)"', html)
    if not boundaries or not layer:
        raise BenchError("the map page names no boundaries or layer URL")
    url = boundaries.group(1).replace("&amp;", "&")
    first_level = 1 if re.search(r"land=\d\d", url) else 0  # as public_map.js chooses
    parts = [_size(port, page), *(_size(port, path) for path in dict.fromkeys(assets + basemap)),
             _size(port, url + ("&" if "?" in url else "?") + f"level={first_level}"), _size(port, layer.group(1))]
    return {"parts": parts, "gzip": sum(p["gzip"] for p in parts), "plain": sum(p["plain"] for p in parts),
            "boundaries_level": first_level, "all_of_germany": "land=" not in url}


def _timed(port: int, paths: list[str], own: list[int], wait_idle: int) -> dict[str, Any]:
    busy = wait_until_quiet(limit_seconds=wait_idle)
    for path in paths[:2]:
        deployment.get(port, path, GZIP)  # every worker has the answer built
    before = cpu_sample(own)
    seconds: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    for path in paths:
        response = deployment.get(port, path, GZIP)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        seconds.append(response.seconds)
        sizes.append(len(response.body))
    result: dict[str, Any] = summary_ms(seconds)
    result.update({"statuses": statuses, "bytes_transferred_max": max(sizes), "busy_before_pct": busy,
                   "foreign_cpu_pct": foreign_cpu_percent(before, cpu_sample(own))})
    return result


class _BrowserCpu:
    """CPU seconds of the browser's processes (descendants of this process through Playwright's driver, other
    than the server's): read before each of them exits, so the bench counts them as its own load."""

    def __init__(self, exclude: list[int]) -> None:
        self.exclude = set(exclude)
        self.seconds: dict[int, float] = {}

    def sample(self) -> None:
        for pid in descendant_pids():
            if pid not in self.exclude:
                self.seconds[pid] = max(self.seconds.get(pid, 0.0), process_seconds([pid]))

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _interactive(port: int, page: str, runs: int, browser_cpu: _BrowserCpu) -> dict[str, Any]:
    if not runs:
        return {"skipped": "--browser-runs 0"}
    if not os.path.exists(CHROMIUM):
        return {"skipped": f"{CHROMIUM} missing"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright not installed"}
    timings, noticed, transferred = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for _run in range(runs):
                context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                # As behind the TLS proxy production has (otherwise the site redirects to https).
                context.set_extra_http_headers({"X-Forwarded-Proto": "https"})
                chrome = context.new_page()
                chrome.goto(f"http://{deployment.HOST}:{port}{page}", wait_until="commit")
                chrome.wait_for_selector('#alliance-map[data-state="ready"]', timeout=60_000)
                # From the navigation's start to the map usable, in the page's own clock: the mark public_map.js
                # sets with data-state="ready", and (later) the moment Playwright noticed the attribute.
                timings.append(chrome.evaluate(
                    "() => performance.getEntriesByName('map-ready', 'mark')[0].startTime") / 1000)
                noticed.append(chrome.evaluate("() => performance.now()") / 1000)
                transferred.append(chrome.evaluate(
                    "() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                    ".reduce((sum, e) => sum + (e.transferSize || 0), 0)"))
                browser_cpu.sample()
                context.close()
        finally:
            browser_cpu.sample()
            browser.close()
    result: dict[str, Any] = summary_ms(timings)
    result["noticed_by_playwright"] = summary_ms(noticed)
    result["transferred_bytes"] = max(transferred)
    result["browser_cpu_seconds"] = round(browser_cpu.total, 2)
    return result


def measure(kind: Kind, work_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    dep = deployment.create(kind, work_dir)
    result: dict[str, Any] = {"kind": kind, "label": dep.label}
    try:
        print(f"[national_map/{kind}] migrate, collectstatic, generate (fraction {args.fraction})",
              file=sys.stderr, flush=True)
        deployment.manage(dep, "migrate", "migrate", "--noinput")
        deployment.manage(dep, "collectstatic", "collectstatic", "--noinput")
        result["generation"] = _generate(dep, args.fraction)
        rng = random.Random(SEED + 33)
        span = (END - START).days

        def day() -> str:
            return (START + dt.timedelta(days=rng.randint(0, span))).isoformat()

        with deployment.gunicorn(dep, READY_PATH, timeout=240) as server:  # slow when others load the machine
            port = server.port
            page = f"{PAGE_PATH}?as_of={END.isoformat()}"
            result["first_load"] = _first_load(port, page)
            result["sizes"] = {
                "geojson_all": _size(port, GEOJSON_PATH),
                **{f"compact_level_{n}": _size(port, f"{COMPACT_PATH}?level={n}") for n in (0, 1, 2)},
                "layer_cached": _size(port, LAYER_PATH),
                "layer_uncached": _size(port, f"{LAYER_PATH}?as_of={END.isoformat()}"),
            }
            own = [server.process.pid, *server.worker_pids(), *deployment.postgres_backend_pids(dep)]
            n = args.requests
            plan = {
                "page": [f"{PAGE_PATH}?as_of={day()}&page={rng.randint(1, 5)}" for _ in range(n)],
                "layer_cached": [LAYER_PATH] * n,
                "layer_uncached_before": [f"{LAYER_PATH}?as_of={day()}" for _ in range(max(5, n // 5))],
                "compact_level_0": [f"{COMPACT_PATH}?level=0"] * n,
                "geojson_all_before": [GEOJSON_PATH] * max(5, n // 5),
            }
            result["latency"] = {}
            for name, paths in plan.items():
                print(f"[national_map/{kind}] {name} x{len(paths)}", file=sys.stderr, flush=True)
                result["latency"][name] = _timed(port, paths, own, args.wait_idle)
            print(f"[national_map/{kind}] Chromium x{args.browser_runs}", file=sys.stderr, flush=True)
            busy = wait_until_quiet(limit_seconds=args.wait_idle)
            before = cpu_sample(own)
            browser_cpu = _BrowserCpu(exclude=own)
            result["interactive"] = _interactive(port, page, args.browser_runs, browser_cpu)
            result["interactive"]["busy_before_pct"] = busy
            result["interactive"]["foreign_cpu_pct"] = foreign_cpu_percent(
                before, cpu_sample(own), own_extra_seconds=browser_cpu.total)
        result["setup_seconds"] = dep.timings
    finally:
        deployment.destroy(dep)
    return result


def _kb(value: int) -> str:
    return f"{value / 1000:,.0f} kB"


def markdown(results: dict[str, Any]) -> str:
    runs = list(results["runs"].values())
    lines = ["| Measurement | " + " | ".join(r["label"] for r in runs) + " |", "|---|" + "---|" * len(runs)]

    def row(label: str, cell: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runs) + " |")

    def ms(block: dict[str, Any]) -> str:
        if "p99_ms" not in block:
            return str(block.get("skipped", "not measured"))
        foreign = block.get("foreign_cpu_pct")
        return (f"{block['p50_ms']:.0f} / {block['p99_ms']:.0f} ms"
                + (f" (foreign CPU {foreign:.0f} %)" if foreign is not None else ""))

    row("Municipalities", lambda r: f"{r['generation']['counts']['registry.Municipality']:,}")
    row(f"First load, gzip (goal < {_kb(GOAL_BYTES)})", lambda r: _kb(r["first_load"]["gzip"]))
    row("First load, uncompressed", lambda r: _kb(r["first_load"]["plain"]))
    row("… of it boundaries (level) + layer, gzip", lambda r: (
        f"{_kb(r['first_load']['parts'][-2]['gzip'])} (level {r['first_load']['boundaries_level']}) + "
        f"{_kb(r['first_load']['parts'][-1]['gzip'])}"))
    row("GeoJSON, all of Germany (before): plain / gzip", lambda r: (
        f"{_kb(r['sizes']['geojson_all']['plain'])} / {_kb(r['sizes']['geojson_all']['gzip'])}"))
    for n in (0, 1, 2):
        row(f"Compact level {n}: plain / gzip", lambda r, n=n: (
            f"{_kb(r['sizes'][f'compact_level_{n}']['plain'])} / {_kb(r['sizes'][f'compact_level_{n}']['gzip'])}"))
    row("Layer: plain / gzip", lambda r: (
        f"{_kb(r['sizes']['layer_cached']['plain'])} / {_kb(r['sizes']['layer_cached']['gzip'])}"))
    row("Map page (random date, table page): median / p99", lambda r: ms(r["latency"]["page"]))
    row("Layer, cached by data version (after)", lambda r: ms(r["latency"]["layer_cached"]))
    row("Layer built per request (before, `?as_of=`)", lambda r: ms(r["latency"]["layer_uncached_before"]))
    row("Compact boundaries level 0 (after)", lambda r: ms(r["latency"]["compact_level_0"]))
    row("GeoJSON all of Germany (before)", lambda r: ms(r["latency"]["geojson_all_before"]))
    row(f"Time to interactive in Chromium (goal < {GOAL_INTERACTIVE_MS} ms)", lambda r: ms(r["interactive"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    runs = deployment.per_database("national_map", args.databases,
                                   lambda kind, work_dir: measure(kind, work_dir, args))
    results = {"schema": 1, "machine": describe_machine(), "settings": vars(args) | {"output": str(args.output)},
               "runs": runs, "total_seconds": round(time.monotonic() - started, 1)}
    deployment.write_results(args.output, results)
    print(markdown(results))
    print(f"\nwritten to {args.output}", file=sys.stderr)
    met = all(run["first_load"]["gzip"] < GOAL_BYTES for run in runs.values())
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
