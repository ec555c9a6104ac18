"""Gunicorn configuration for production (see docs/deployment.md).

    gunicorn -c kommunalschutz/config/gunicorn.conf.py

Gunicorn sits behind a reverse proxy on the same host (nginx terminates TLS), so it binds to
loopback by default. Every value can be overridden from the environment; the names are listed
in docs/deployment.md.

Privacy: the default access log records neither the client IP address nor the user agent nor
the referrer nor the query string. The platform serves officials who report threats against
them; who visited which page from where is personal data we do not need for operations (GDPR
data minimisation), and behind the proxy the IP would only be the proxy's anyway. Paths under
GUNICORN_PRIVATE_PATHS are additionally cut to their prefix, and client-identifying atoms are
blanked there even if an operator adds them to the format.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import glogging

from kommunalschutz.foundation.monitoring.logs import JsonFormatter


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}.") from exc
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, not {value}.")
    return value


def _cores() -> int:
    # sched_getaffinity honours taskset/cpuset limits, which os.cpu_count() ignores.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "kommunalschutz.config.wsgi:application"
proc_name = "kommunalschutz"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]

# Sync workers: requests are short and database-bound, nginx buffers slow clients, and one process
# per request keeps Django's thread-unsafe parts (SQLite connections, Huey's storage) simple.
# 2 x cores + 1 is gunicorn's own rule of thumb: one worker waits on I/O while another computes.
workers = _env_int("WEB_CONCURRENCY", 2 * _cores() + 1)
worker_class = "sync"
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycling workers bounds slow memory growth; the jitter keeps all workers from restarting at the same
# moment. 50,000 rather than gunicorn's usual few thousand: the public API answers cached reads at up to a
# few thousand requests per second, and a restart (importing Django and every app, then rebuilding the
# worker's caches) costs more CPU than thousands of cached answers; at 2,000 every worker restarted every
# few seconds under load (docs/benchmarks.md, "Public read API"). The caches that could grow are bounded
# (core.dataversion: 2 x 16 MiB per worker), so a worker still restarts every few minutes at full load.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 50_000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 5_000)
# Not preloaded: forking after Huey or SQLite opened a connection would share it between workers.
preload_app = False
# The heartbeat file lives in RAM, so a slow disk cannot make the master kill healthy workers.
# Gunicorn creates the files with mkstemp, so a shared directory is safe here.
_SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# Only the local proxy may tell us the original scheme (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr, where systemd's journal collects them.
accesslog: str | None = os.environ.get("GUNICORN_ACCESS_LOG", "-")
if accesslog in ("", "off", "none"):
    accesslog = None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# time, method, path without query string, protocol, status, bytes, duration in ms, worker pid.
# Deliberately absent: %(h)s (client IP), %(a)s (user agent), %(f)s (referrer), %(q)s and %(r)s
# (query strings carry search terms such as names).
DEFAULT_ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %(p)s'
access_log_format = os.environ.get("GUNICORN_ACCESS_LOG_FORMAT", DEFAULT_ACCESS_LOG_FORMAT)

# Paths whose tail identifies a person or carries a secret: password-reset links contain a token;
# the anonymous report and its follow-up (page and public API) promise that nothing about the client
# is kept; the online survey (/umfrage/) carries a respondent's access code in its query string (the
# letters' QR codes). Later apps add theirs through the environment or this default.
DEFAULT_PRIVATE_PATHS = "/konto/passwort-neu/,/melden/anonym,/api/v1/public/reports,/umfrage/"
PRIVATE_PATH_PREFIXES = tuple(
    prefix.strip()
    for prefix in os.environ.get("GUNICORN_PRIVATE_PATHS", DEFAULT_PRIVATE_PATHS).split(",")
    if prefix.strip()
)
_IDENTIFYING_ATOMS = ("h", "a", "f", "q", "u")


class PrivacyLogger(glogging.Logger):  # type: ignore[misc]
    """Gunicorn's logger, with the client-identifying atoms blanked on private paths."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        path = str(atoms.get("U") or "")
        prefix = next((p for p in PRIVATE_PATH_PREFIXES if path.startswith(p)), None)
        if prefix is None:
            return atoms
        for key in _IDENTIFYING_ATOMS:
            atoms[key] = "-"
        atoms["U"] = f"{prefix}…"
        atoms["r"] = f"{atoms.get('m')} {prefix}… {atoms.get('H')}"
        # Header atoms ({name}i) could hold X-Forwarded-For or User-Agent, environ atoms ({name}e) REMOTE_ADDR
        # or HTTP_USER_AGENT, if an operator logs them.
        for key in [k for k in atoms if k.endswith(("}i", "}e"))]:
            atoms[key] = "-"
        return atoms


# LOG_FORMAT as in settings.py: JSON lines unless DEBUG is on (decision 0037).
_debug = os.environ.get("DEBUG", "").strip().lower() in ("1", "true", "yes", "on")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or ("text" if _debug else "json")


class JsonLogger(PrivacyLogger):
    """With LOG_FORMAT=json: gunicorn's own lines and the access log as one JSON object per line on stdout.

    The access line names the route (set by the platform's ObservabilityMiddleware in the WSGI environ),
    never the path or query string, and carries the request id the platform echoed."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
                handler.setStream(sys.stdout)
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        entry = {
            "time": dt.datetime.now(tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": "info",
            "logger": "gunicorn.access",
            "message": "request",
            "request_id": environ.get("kommunalschutz.request_id"),
            "method": environ.get("REQUEST_METHOD"),
            "route": environ.get("kommunalschutz.route", "unresolved"),
            "status": int(status) if str(status).isdigit() else status,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "bytes": getattr(resp, "sent", None),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(entry))
        except Exception:
            self.exception("Failed to write the access log line")


logger_class = JsonLogger if LOG_FORMAT == "json" else PrivacyLogger


def pre_request(worker: Any, req: Any) -> None:
    """Nothing: gunicorn's default logs "METHOD /path" at debug level, and a path can carry what a person
    typed (a search term, a receipt); the access line names the route instead."""

# Prometheus request metrics of all workers (prometheus-client's multiprocess mode, decision 0037): each
# worker writes its counters to files in this directory and /metrics sums them. It must be empty when the
# master starts (old files would be counted again) and the workers must see it before they import the
# client, so the master sets it when it starts (a hook, not at import: tests import this file). Default: a
# fresh directory in RAM; PROMETHEUS_MULTIPROC_DIR chooses another (it is emptied too, so give gunicorn a
# directory of its own).
_metrics_dirs: list[Path] = []


def on_starting(server: Any) -> None:
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if chosen:
        directory = Path(chosen)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="kommunalschutz-metrics-",
                                          dir=_SHM if os.path.isdir(_SHM) else None))
        _metrics_dirs.append(directory)  # ours: removed again on exit
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    # Imported here, once the directory is set (prometheus-client picks its multiprocess values at import),
    # and not in child_exit: that runs in the master's SIGCHLD handler, and a second SIGCHLD arriving during
    # the import re-entered it and met a half-imported module (a raw traceback in the JSON log at shutdown).
    from prometheus_client import multiprocess

    _multiprocess.append(multiprocess)


_multiprocess: list[Any] = []


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges go; its counters stay in the sum (prometheus-client's rule)."""
    if not _multiprocess:
        return
    try:
        _multiprocess[0].mark_process_dead(worker.pid)
    except Exception as exc:  # in a signal handler at shutdown: say it, never raise
        # At shutdown the master reaps workers while their files go away with the directory (on_exit) or
        # another reap; an unhandled error here would print a raw traceback into the JSON log.
        server.log.warning("metrics files of worker %s not removed: %s", worker.pid, type(exc).__name__)


def on_exit(server: Any) -> None:
    for directory in _metrics_dirs:
        shutil.rmtree(directory, ignore_errors=True)
