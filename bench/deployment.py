"""A throw-away production deployment on loopback, set up the way docs/deployment.md describes.

DEBUG off, secrets generated for the run, a fresh database in a temporary var dir (SQLite) or a
fresh PostgreSQL database (with Redis for cache and queue), `migrate`, `collectstatic`, the
registry import, and gunicorn with kommunalschutz/config/gunicorn.conf.py.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.fernet import Fernet

from bench.machine import PROJECT_DIR

GUNICORN_CONF = PROJECT_DIR / "kommunalschutz" / "config" / "gunicorn.conf.py"
HOST = "127.0.0.1"
# nginx sets this in production; without it Django's SECURE_SSL_REDIRECT answers every request with 301.
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https"}
POSTGRES_ADMIN_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
# A Redis database index of its own, flushed before use, so a previous run's cache cannot warm this one.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

# Variables that settings.py or gunicorn.conf.py read; inherited values (e.g. DEBUG=true exported by the
# Makefile, a developer's DATABASE_URL) must not leak into the benchmarked deployment.
_OWN_PREFIXES = ("KOMMUNALSCHUTZ_", "GUNICORN_", "SECURE_", "HUEY_", "EMAIL_", "LOGIN_THROTTLE_", "HEALTH_",
                 "METRICS_", "DATABASE_", "MIGRATION_DATABASE_")
_OWN_NAMES = {
    "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL",
    "REDIS_URL", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY", "LOG_LEVEL", "TIME_ZONE", "PLATFORM_NAME",
    "SESSION_TIMEOUT_MINUTES", "API_TOKEN_DEFAULT_DAYS", "DEFAULT_FROM_EMAIL", "REDIS_KEY_PREFIX",
    "ANONYMOUS_REPORTS_PER_CLIENT", "ANONYMOUS_REPORTS_PER_CLIENT_WINDOW_SECONDS",
    "ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT",
    "ANONYMOUS_LOOKUP_FAILURES_PER_CLIENT_WINDOW_SECONDS", "ANONYMOUS_PROOF_OF_WORK_BITS",
    "ANONYMOUS_PROOF_OF_WORK_SECONDS", "LOG_FORMAT", "PROMETHEUS_MULTIPROC_DIR",
}

Kind = Literal["sqlite", "postgres"]


class BenchError(RuntimeError):
    """A step of the benchmark set-up failed; the message says which and shows the log tail."""


@dataclass
class Deployment:
    kind: Kind
    var_dir: Path
    env: dict[str, str]
    database_name: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    admin_dsn: str = POSTGRES_ADMIN_DSN

    @property
    def label(self) -> str:
        return "SQLite (WAL), no Redis" if self.kind == "sqlite" else "PostgreSQL + Redis"

    def log(self, name: str) -> Path:
        return self.var_dir / f"bench-{name}.log"


def _clean_environment() -> dict[str, str]:
    env = {}
    for name, value in os.environ.items():
        base = name.removesuffix("_FILE")
        if base in _OWN_NAMES or base.startswith(_OWN_PREFIXES):
            continue
        env[name] = value
    return env


def suite_pooling() -> dict[str, str]:
    """The suite's PgBouncer settings (CI's PostgreSQL pass, .ci/run), for a server a test starts on the
    suite's PostgreSQL URL: that URL then points at PgBouncer, and the platform must know it. Empty otherwise
    (create() drops every DATABASE_* variable of the calling process)."""
    names = ("DATABASE_PGBOUNCER", "DATABASE_DIRECT_HOST", "DATABASE_DIRECT_PORT")
    return {name: os.environ[name] for name in names if os.environ.get(name)}


def with_database(url: str, name: str) -> str:
    """The PostgreSQL URL ``url`` with its database replaced by ``name``."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def create(kind: Kind, work_dir: Path, *, admin_dsn: str | None = None, database_name: str | None = None,
           redis_url: str | None = None, redis_key_prefix: str | None = None,
           environment: dict[str, str] | None = None) -> Deployment:
    """A fresh deployment in ``work_dir/kind``. On PostgreSQL a database ``database_name`` (default: a
    generated name) is created through ``admin_dsn`` (a URL; default BENCH_POSTGRES_DSN), with Redis at
    ``redis_url``: without a ``redis_key_prefix`` the bench's own Redis database is flushed first, with one the
    deployment's keys carry that prefix and nothing is flushed (a shared Redis, as in the test suite).
    ``environment`` adds or overrides variables (e.g. WEB_CONCURRENCY)."""
    var_dir = work_dir / kind
    var_dir.mkdir(parents=True)
    env = _clean_environment()
    env.update({
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode("ascii"),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "KOMMUNALSCHUTZ_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "kommunalschutz.config.settings",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(environment or {})
    deployment = Deployment(kind=kind, var_dir=var_dir, env=env, admin_dsn=admin_dsn or POSTGRES_ADMIN_DSN)
    if kind == "postgres":
        name = database_name or f"ks_bench_{os.getpid()}_{secrets.token_hex(3)}"
        if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", name):
            raise BenchError(f"unsafe database name {name!r}")
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', deployment.admin_dsn)
        _postgres_admin(f'CREATE DATABASE "{name}"', deployment.admin_dsn)
        deployment.database_name = name
        env["DATABASE_URL"] = with_database(deployment.admin_dsn, name)
        url = redis_url or REDIS_URL
        if redis_key_prefix:
            env["REDIS_KEY_PREFIX"] = redis_key_prefix
        else:
            _flush_redis(url)
        env["REDIS_URL"] = url
    return deployment


def destroy(deployment: Deployment) -> None:
    if deployment.database_name:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{deployment.database_name}" WITH (FORCE)', deployment.admin_dsn)
        for suffix in ("_tmpl",):
            _postgres_admin(f'DROP DATABASE IF EXISTS "{deployment.database_name}{suffix}" WITH (FORCE)',
                            deployment.admin_dsn)
    prefix = deployment.env.get("REDIS_KEY_PREFIX")
    if prefix and deployment.env.get("REDIS_URL"):
        import redis

        client = redis.Redis.from_url(deployment.env["REDIS_URL"], socket_connect_timeout=3)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])


def postgres_available() -> str | None:
    """None if PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def postgres_backend_pids(deployment: Deployment) -> list[int]:
    """Server processes serving the deployment's database: part of the system under test."""
    if not deployment.database_name:
        return []
    import psycopg

    with psycopg.connect(deployment.admin_dsn, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                            (deployment.database_name,)).fetchall()
    return [int(row[0]) for row in rows]


def _postgres_admin(sql: str, dsn: str = POSTGRES_ADMIN_DSN) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # names are generated above, never user input


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=3).flushdb()


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def manage(deployment: Deployment, name: str, *args: str, timeout: float = 300) -> float:
    """Run `python -m kommunalschutz ARGS` in the deployment; returns the wall time in seconds."""
    log = deployment.log(name)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "kommunalschutz", *args],
                cwd=PROJECT_DIR, env=deployment.env, stdout=out, stderr=subprocess.STDOUT,
                timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"`kommunalschutz {' '.join(args)}` took over {timeout:.0f} s") from exc
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(f"`kommunalschutz {' '.join(args)}` failed ({done.returncode}):\n{_tail(log)}")
    deployment.timings[name] = round(elapsed, 2)
    return elapsed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 30) -> Response:
    """One GET to the local server, timed from sending the request to the last body byte."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers={**PROXY_HEADERS, **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, body, elapsed)
    finally:
        conn.close()


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def workers(self) -> int:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return len(re.findall(r"Booting worker with pid", text))

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text(encoding="ascii").split()]
        except OSError:
            return []

    def worker_rss_mib(self) -> list[float]:
        """Resident memory of each worker now, to back the sizing advice in docs/deployment.md."""
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
            except OSError:
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                sizes.append(round(int(match.group(1)) / 1024, 1))
        return sorted(sizes)


def start_gunicorn(deployment: Deployment, *, port: int | None = None, log_name: str = "gunicorn",
                   app: str | None = None) -> Server:
    """Start gunicorn as production does (kommunalschutz/config/gunicorn.conf.py), without waiting.

    ``app`` ("module:callable") replaces the platform's WSGI application under the same configuration
    (bench.api_throughput's bare handler)."""
    port = port or free_port()
    log = deployment.log(log_name)
    env = {**deployment.env, "GUNICORN_BIND": f"{HOST}:{port}"}
    with log.open("wb") as out:
        # A session of its own, so stopping signals the master and its workers and nothing else.
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *([app] if app else [])],
            cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Server(port=port, process=process, log=log)


def wait_until_ready(server: Server, ready_path: str, *, timeout: float = 60) -> None:
    """Until ready_path answers 200; BenchError if gunicorn exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.process.returncode}:\n{_tail(server.log)}")
        try:
            if get(server.port, ready_path, timeout=10).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"gunicorn did not answer {ready_path} with 200 within {timeout:.0f} s")
        time.sleep(0.1)


def kill_all(server: Server, *, timeout: float = 10) -> list[int]:
    """SIGKILL to gunicorn's process group (master and every worker at once, as a power cut or the OOM
    killer would); returns the pids that were killed, once none of them is left."""
    pids = [server.process.pid, *server.worker_pids()]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while _group_alive(server.process.pid):
        if time.monotonic() > deadline:
            raise BenchError(f"processes of group {server.process.pid} survived SIGKILL")
        time.sleep(0.05)
    return pids


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still exists (zombies count as gone: they run no code)."""
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def stop(server: Server) -> None:
    _stop(server.process)


@contextlib.contextmanager
def gunicorn(deployment: Deployment, ready_path: str, *, timeout: float = 60, app: str | None = None,
             log_name: str = "gunicorn") -> Iterator[Server]:
    """Start gunicorn as production does, wait until ready_path answers 200, and always stop it."""
    server = start_gunicorn(deployment, app=app, log_name=log_name)
    try:
        wait_until_ready(server, ready_path, timeout=timeout)
        yield server
    finally:
        _stop(server.process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run_child(kind: Kind, work_dir: Path, module: str, child_args: list[str], *, timeout: float) -> dict[str, Any]:
    """Measure in a throw-away deployment: create it, migrate, run ``python -m bench.<module> --child …``
    with its environment, and return the JSON the child prints after ``BENCH_RESULT `` (labelled with the
    deployment). The deployment is destroyed afterwards, whatever happens. ``{var_dir}`` in the
    arguments is replaced by the deployment's own var directory."""
    deployment = create(kind, work_dir)
    try:
        print(f"[{module}/{kind}] migrate", file=sys.stderr, flush=True)
        manage(deployment, "migrate", "migrate", "--noinput")
        command = [sys.executable, "-m", f"bench.{module}", "--child",
                   *(arg.replace("{var_dir}", str(deployment.var_dir)) for arg in child_args)]
        done = subprocess.run(command, cwd=PROJECT_DIR, env=deployment.env, stdout=subprocess.PIPE, text=True,
                              timeout=timeout, check=False)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
        if done.returncode != 0 or line is None:
            raise BenchError(f"{module} child failed ({done.returncode})")
        result: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
        result["label"] = deployment.label
        return result
    finally:
        destroy(deployment)


def per_database(module: str, databases: str, measure: Callable[[Kind, Path], dict[str, Any]]) -> dict[str, Any]:
    """``measure(kind, work_dir)`` for each of the comma-separated databases, in one temporary directory;
    PostgreSQL is left out with a note when it is not reachable."""
    results: dict[str, Any] = {}
    work_dir = Path(tempfile.mkdtemp(prefix=f"ks-bench-{module}-"))
    try:
        for kind in [k.strip() for k in databases.split(",") if k.strip()]:
            if kind == "postgres" and postgres_available() is not None:
                print(f"[{module}] PostgreSQL not reachable: {postgres_available()}", file=sys.stderr)
                continue
            results[kind] = measure(kind, work_dir)  # type: ignore[arg-type]
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return results


def write_results(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
