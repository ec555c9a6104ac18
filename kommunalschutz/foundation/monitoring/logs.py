"""Log lines for machines: one JSON object per line on stdout, with the request's id and route, and no
personal data (decision 0037).

Plain standard library on purpose: gunicorn's configuration imports this module before Django is set up.
What keeps personal data out: messages of Django's request loggers are cut before the path they append;
exceptions are logged with their type and stack (file, line, function, code) but never their message, which
can carry input (``invalid literal for int(): '<case text>'``, PostgreSQL's ``DETAIL: Key (email)=(…)``).
The request's method, route name, status and duration come from the request context, never its path or
query string.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import secrets
import sys
import traceback
from types import TracebackType
from typing import Any

# The request being served by this thread (gunicorn's sync workers: one at a time per process).
request_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "kommunalschutz_request", default=None)

# What a proxy may hand over as a request id; anything else is replaced by a generated one.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,128}")

# Loggers that append the request's path (or other input) to their message after a colon:
# "Not Found: /melden/…", "Forbidden (CSRF token missing.): /…", "Invalid HTTP_HOST header: '…'".
_PATH_LOGGERS = ("django.request", "django.server", "django.security", "django.csrf")

# gunicorn's own messages that append the request URI (with its query string) or the client's address.
_GUNICORN_CUT = ("Error handling request", "Invalid request from ip", "Socket error processing request",
                 "Ignoring connection", "Ignoring EPIPE", "Ignored premature client disconnection")
_REQUEST_LINE = re.compile(r"^([A-Z]{3,7}) /")
_ADDRESS = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\b")

_CONTEXT_FIELDS = ("request_id", "method", "route", "status", "duration_ms")


def new_request_id() -> str:
    return secrets.token_hex(16)


def accepted_request_id(offered: str | None) -> str:
    """The proxy's request id if it looks like one, else a generated id."""
    if offered and REQUEST_ID_PATTERN.fullmatch(offered):
        return offered
    return new_request_id()


def _safe_message(record: logging.LogRecord) -> str:
    message = record.getMessage()
    if record.name.startswith(_PATH_LOGGERS):
        # What comes before the path or value: "Not Found", "Internal Server Error",
        # "Forbidden (CSRF token missing.)", "Invalid HTTP_HOST header".
        return message.split(": ", 1)[0].strip() or record.name
    if record.name.startswith("gunicorn.error"):
        cut = next((prefix for prefix in _GUNICORN_CUT if message.startswith(prefix)), None)
        if cut is not None:
            return cut
        request_line = _REQUEST_LINE.match(message)
        if request_line:  # "GET /path" (gunicorn's default pre_request hook at debug level)
            return f"{request_line.group(1)} request"
        # "Listening at: http://127.0.0.1:8000" names the server, but no other line of gunicorn's may
        # carry a client's address.
        return message if message.startswith("Listening at") else _ADDRESS.sub("[address]", message)
    return message


def _stack(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> str:
    """The exception's type and stack, every message left out (chained exceptions too)."""
    parts: list[str] = []
    exception: BaseException | None = exc_info[1]
    seen: set[int] = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        frames = traceback.extract_tb(exception.__traceback__)
        parts.append("".join(traceback.format_list(frames)) + f"{type(exception).__module__}."
                     f"{type(exception).__qualname__} (message withheld)")
        exception = exception.__cause__ or exception.__context__
    return "\n-- caused by --\n".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request's context."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _safe_message(record),
        }
        context = request_context.get()
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if name == "status" and value is None:
                value = getattr(record, "status_code", None)  # django.request's lines
            if value is None and context is not None:
                value = context.get(name)
            if value is not None:
                entry[name] = value
        for name in ("bytes", "pid"):
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = _stack(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For development (DEBUG): readable lines, the request id where there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(request_tag)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        context = request_context.get()
        request_id = getattr(record, "request_id", None) or (context or {}).get("request_id")
        record.request_tag = f"[{request_id[:8]}] " if request_id else ""
        return super().format(record)


def formatter_path(log_format: str) -> str:
    return f"{__name__}.{'JsonFormatter' if log_format == 'json' else 'TextFormatter'}"


def serving() -> bool:
    """Whether this process serves (gunicorn, the task worker, the development server) rather than runs a
    one-off command, whose stdout may be data (a generated key, a token, a dump) that log lines would spoil."""
    return "gunicorn" in sys.modules or any(arg in ("run_huey", "runserver") for arg in sys.argv[1:3])


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING dictionary: every record through one formatter, to stdout in the services (where the
    container runtime or journald collects it) and to stderr in one-off commands."""
    stream = "ext://sys.stdout" if serving() else "ext://sys.stderr"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"platform": {"()": formatter_path(log_format)}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "platform",
                                 "stream": stream}},
        "root": {"handlers": ["console"], "level": level},
        # Huey's consumer adds a handler of its own unless its logger has one: one format for all lines.
        "loggers": {"huey": {"handlers": ["console"], "level": level, "propagate": False}},
    }
