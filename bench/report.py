"""The Markdown summary of a results file, printed by the bench and pasted into docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

DASH = "\N{EN DASH}"  # an empty table cell


def _mb(size: int | None) -> str:
    return DASH if size is None else f"{size / 1_000_000:.2f} MB"


def _rss(run: dict[str, Any]) -> str:
    sizes = run.get("worker_rss_mib") or []
    return f" of {min(sizes):.0f}-{max(sizes):.0f} MiB RSS each" if sizes else ""


def _rows(run: dict[str, Any]) -> list[str]:
    imp = run.get("import") or {}
    fresh, again = imp.get("fresh") or {}, imp.get("reimport") or {}
    api = run.get("api") or {}
    geo = run.get("geojson") or {}
    rep = geo.get("repeated") or {}
    cond = geo.get("conditional") or {}

    def secs(block: dict[str, Any]) -> str:
        if not block:
            return DASH
        return f"{block['median_s']:.2f} s / {block['min_s']:.2f} s (n={block['n']})"

    def lat(block: dict[str, Any]) -> str:
        if not block:
            return DASH
        return f"{block['p50_ms']:.1f} / {block['p99_ms']:.1f} ms (n={block['n']})"

    throughput = DASH
    latency = DASH
    errors = DASH
    if api:
        throughput = f"{api['requests_per_s']:.0f} req/s ({api['requests']} in {api['duration_s']:.0f} s)"
        latency = f"{api['p50_ms']:.1f} / {api['p99_ms']:.1f} ms"
        errors = str(api["error_count"])
    first = f"{geo['first_request_ms']:.0f} ms" if geo else DASH
    return [
        secs(fresh),
        secs(again),
        throughput,
        latency,
        errors,
        f"{_mb(geo.get('raw_bytes'))} / {_mb(geo.get('gzip6_bytes'))}" if geo else DASH,
        first,
        lat(rep),
        lat(cond),
    ]


LABELS = [
    "Registry import, empty database: median / min",
    "Registry re-import, unchanged: median / min",
    "`GET /api/v1/municipalities`: throughput",
    "… latency p50 / p99",
    "… errors (socket + non-2xx)",
    "Saxony GeoJSON: raw / gzip -6",
    "… first request (cold cache)",
    "… repeated requests p50 / p99",
    "… revalidation (`If-None-Match`, 304) p50 / p99",
]


def markdown(results: dict[str, Any]) -> str:
    runs = [r for r in results["runs"] if not r.get("skipped")]
    header = "| Measurement | " + " | ".join(r["label"] for r in runs) + " |"
    lines = [header, "|---|" + "---|" * len(runs)]
    columns = [_rows(r) for r in runs]
    for index, label in enumerate(LABELS):
        lines.append(f"| {label} | " + " | ".join(col[index] for col in columns) + " |")
    machine = results["machine"]
    settings = results["settings"]
    api_run = next((r.get("api") for r in runs if r.get("api")), None)
    notes = [
        "",
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['memory_gib']} GiB RAM, "
        f"{machine['os']}; Python {machine['python']}, Django {machine['django']}, gunicorn "
        f"{machine['gunicorn']}, SQLite {machine['sqlite']}"
        + (f", PostgreSQL {machine['postgresql']}" if machine.get("postgresql") else "")
        + (f", Redis {machine['redis']}" if machine.get("redis") else "")
        + f"; {machine['date']}, commit {machine['git_commit']}{' (dirty)' if machine['git_dirty'] else ''}.",
        f"Load: {api_run['tool'] if api_run else DASH}, {settings['connections']} connections, "
        f"{settings['duration_s']} s after {settings['warmup_s']} s warm-up, gunicorn "
        + ", ".join(f"{r['label']}: {r.get('workers', '?')} sync workers{_rss(r)}" for r in runs)
        + "; load generator and server share the machine. "
        f"Total bench time {results['total_seconds']:.0f} s.",
    ]
    busy = [f"{r['label']}: {r['background_cpu_busy_pct']}% before, "
            f"{(r.get('api') or {}).get('foreign_cpu_pct')}% during the load, "
            f"{(r.get('geojson') or {}).get('foreign_cpu_pct')}% during the GeoJSON requests" for r in runs
            if r.get("background_cpu_busy_pct") is not None]
    if busy:
        notes.append("CPU used by other programs around each load run (near 0 for trustworthy numbers): "
                     + "; ".join(busy) + ".")
    for run in results["runs"]:
        if run.get("skipped"):
            notes.append(f"Skipped {run['label']}: {run['skipped']}")
    return "\n".join(lines + notes)
