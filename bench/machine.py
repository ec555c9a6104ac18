"""A description of the machine and software a benchmark ran on, so results can be compared."""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


def _command_output(args: list[str]) -> str | None:
    if shutil.which(args[0]) is None:
        return None
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def _package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe_machine() -> dict[str, Any]:
    try:
        usable_cores = len(os.sched_getaffinity(0))
    except AttributeError:
        usable_cores = os.cpu_count() or 1
    commit = _command_output(["git", "-C", str(PROJECT_DIR), "rev-parse", "--short", "HEAD"])
    dirty = _command_output(["git", "-C", str(PROJECT_DIR), "status", "--porcelain", "--untracked-files=no"])
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cores": usable_cores,
        "memory_gib": _memory_gib(),
        "os": _os_name(),
        "kernel": platform.release(),
        "virtualised": _command_output(["systemd-detect-virt"]),
        "python": platform.python_version(),
        "django": _package_version("Django"),
        "gunicorn": _package_version("gunicorn"),
        "django_ninja": _package_version("django-ninja"),
        "psycopg": _package_version("psycopg"),
        "sqlite": sqlite3.sqlite_version,
        "wrk": _command_output(["wrk", "-v"]),
        "git_commit": commit,
        "git_dirty": bool(dirty),
    }


def _cpu_times() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields), idle


def cpu_busy_percent(seconds: float = 1.0) -> float | None:
    """How busy all cores were over the next `seconds`: other work on the machine skews every number."""
    try:
        total_before, idle_before = _cpu_times()
        time.sleep(seconds)
        total_after, idle_after = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    total = total_after - total_before
    return round(100 * (1 - (idle_after - idle_before) / total), 1) if total else None


@dataclass
class CpuSample:
    """A snapshot to tell, afterwards, how much CPU other programs took during a measurement."""

    total_jiffies: int
    idle_jiffies: int
    own_seconds: float


def _process_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = 0.0
    for pid in pids:
        try:
            # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
            seconds += (int(stat[11]) + int(stat[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return seconds


def process_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system) the running processes ``pids`` have used so far."""
    return _process_seconds(pids)


def descendant_pids(root: int | None = None) -> list[int]:
    """The running descendants of ``root`` (default: this process), found through /proc's parent ids: e.g. the
    browser Playwright's driver starts, whose CPU is the bench's own, not another program's."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text(encoding="ascii").rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(status.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found: list[int] = []
    queue = list(children.get(root, []))
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def cpu_sample(own_pids: list[int]) -> CpuSample:
    total, idle = _cpu_times()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has been reaped
    return CpuSample(total, idle, _process_seconds(own_pids) + children.ru_utime + children.ru_stime)


def foreign_cpu_percent(before: CpuSample, after: CpuSample, *, own_extra_seconds: float = 0.0) -> float | None:
    """Share of all cores used by programs other than ours between the two samples; ``own_extra_seconds`` is
    CPU our own short-lived processes used meanwhile (e.g. a browser that has exited by the second sample)."""
    total = after.total_jiffies - before.total_jiffies
    if total <= 0:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    busy_seconds = (total - (after.idle_jiffies - before.idle_jiffies)) / ticks
    own_seconds = after.own_seconds - before.own_seconds + own_extra_seconds
    return round(max(0.0, busy_seconds - own_seconds) / (total / ticks) * 100, 1)


def wait_until_quiet(*, limit_seconds: float, threshold: float = 15.0) -> float | None:
    """Wait (bounded) until the machine is nearly idle; return the last busy reading."""
    deadline = time.monotonic() + limit_seconds
    busy = cpu_busy_percent(2.0)
    while busy is not None and busy > threshold and time.monotonic() < deadline:
        busy = cpu_busy_percent(2.0)
    return busy


def postgres_version(dsn: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(dsn, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else None
    except Exception:
        return None


def redis_version(url: str) -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        info: dict[str, Any] = client.info("server")  # type: ignore[assignment]
        return str(info.get("redis_version"))
    except Exception:
        return None
