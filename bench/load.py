"""Load generation against the local server: wrk if installed, else a bounded Python generator."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from bench.deployment import HOST, PROXY_HEADERS, BenchError
from bench.stats import summary_ms

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
# Hard ceiling for the Python fallback, whatever the duration: the loop must end by itself.
PYTHON_MAX_REQUESTS = 500_000


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(port: int, path: str, *, duration: int, connections: int, threads: int,
        headers: dict[str, str] | None = None) -> dict[str, Any]:
    """``headers`` are sent with every request besides the proxy's (e.g. Authorization)."""
    if HOST != "127.0.0.1":  # a guard for future edits: load goes to loopback only
        raise BenchError("load is only ever sent to 127.0.0.1")
    headers = {**PROXY_HEADERS, **(headers or {})}
    if wrk_available():
        return _run_wrk(port, path, duration=duration, connections=connections, threads=threads, headers=headers)
    return _run_python(port, path, duration=duration, connections=connections, headers=headers)


def _run_wrk(port: int, path: str, *, duration: int, connections: int, threads: int,
             headers: dict[str, str]) -> dict[str, Any]:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency",
            "-s", str(WRK_SCRIPT)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    args.append(f"http://{HOST}:{port}{path}")
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=duration + 30, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {duration + 30} s") from exc
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    errors = raw["errors"]
    return {
        "tool": "wrk",
        "duration_s": round(seconds, 2),
        "connections": connections,
        "threads": threads,
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds, 1),
        "transfer_mib_per_s": round(raw["bytes"] / seconds / 1024 / 1024, 2),
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p90_ms": round(latency["p90"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        "errors": errors,
        "error_count": sum(errors.values()),
        "wrk_output": [ln for ln in done.stdout.splitlines() if not ln.startswith("BENCH_RESULT ")],
    }


def _run_python(port: int, path: str, *, duration: int, connections: int,
                headers: dict[str, str]) -> dict[str, Any]:
    """A closed-loop generator: `connections` threads, each sending its next request on reply.

    Less precise than wrk (the GIL adds client-side latency), so results say which tool ran.
    """
    deadline = time.monotonic() + duration
    lock = threading.Lock()
    latencies: list[float] = []
    errors = {"connect": 0, "status": 0, "other": 0}
    total_bytes = 0

    def worker() -> None:
        nonlocal total_bytes
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) + sum(errors.values()) >= PYTHON_MAX_REQUESTS:
                    break
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except ConnectionError:
                conn.close()
                with lock:
                    errors["connect"] += 1
                continue
            except (OSError, http.client.HTTPException):
                conn.close()
                with lock:
                    errors["other"] += 1
                continue
            elapsed = time.perf_counter() - started
            with lock:
                if response.status >= 400:
                    errors["status"] += 1
                latencies.append(elapsed)
                total_bytes += len(body)
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=duration + 20)
    seconds = time.monotonic() - started
    if not latencies:
        raise BenchError("the Python load generator got no responses")
    stats = summary_ms(latencies)
    return {
        "tool": "python-threads",
        "duration_s": round(seconds, 2),
        "connections": connections,
        "threads": connections,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "transfer_mib_per_s": round(total_bytes / seconds / 1024 / 1024, 2),
        "p50_ms": stats["p50_ms"],
        "p90_ms": None,
        "p99_ms": stats["p99_ms"],
        "max_ms": stats["max_ms"],
        "errors": errors,
        "error_count": sum(errors.values()),
    }
