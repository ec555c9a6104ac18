"""The JSON log lines: one object per line with time, level, logger, message and the request's id, method,
route, status and duration; exceptions without their message; the request id from a trusted proxy or new."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from bench.machine import PROJECT_DIR
from kommunalschutz.foundation.monitoring.logs import JsonFormatter, TextFormatter

pytestmark = pytest.mark.django_db

SECRET = "Quokka-Fallbeschreibung-42"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every record of the platform and Django, formatted when it is emitted (inside the request)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_exception_messages_are_withheld_but_the_stack_is_kept(captured: io.StringIO) -> None:
    logger = logging.getLogger("kommunalschutz.test")
    try:
        try:
            int(SECRET)
        except ValueError as exc:
            raise RuntimeError(f"could not read {SECRET}") from exc
    except RuntimeError:
        logger.exception("Reading the report failed")
    (line,) = lines(captured)
    assert SECRET not in captured.getvalue()
    assert line["level"] == "error" and line["logger"] == "kommunalschutz.test"
    assert line["message"] == "Reading the report failed"
    assert "builtins.RuntimeError (message withheld)" in line["exception"]
    assert "builtins.ValueError (message withheld)" in line["exception"]
    assert "test_exception_messages_are_withheld_but_the_stack_is_kept" in line["exception"]
    assert set(line) == {"time", "level", "logger", "message", "exception"}


def test_lines_inside_a_request_carry_its_id_and_route(client: Client, captured: io.StringIO) -> None:
    response = client.get(f"/gibt-es-nicht/?name={SECRET}")
    assert response.status_code == 404
    (line,) = [line for line in lines(captured) if line["logger"] == "django.request"]
    assert line["message"] == "Not Found"  # Django appends the path; cut
    assert line["request_id"] == response["X-Request-ID"]
    assert line["method"] == "GET" and line["route"] == "unresolved" and line["status"] == 404
    assert SECRET not in captured.getvalue() and "/gibt-es-nicht/" not in captured.getvalue()


def test_request_id_from_a_trusted_proxy_is_kept(client: Client, settings: Any) -> None:
    offered = "nginx-2f9c1e0b7d6a4c55"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get("/impressum/", HTTP_X_REQUEST_ID=offered)["X-Request-ID"] == offered
    # Something that is not an id (too short, a line break, a very long value) is replaced.
    for bad in ("abc", "x" * 200, "ok-looking-id\nInjected: 1", f"id {SECRET}"):
        answered = client.get("/impressum/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert answered != bad and len(answered) == 32


def test_request_id_without_a_trusted_proxy_is_always_new(client: Client, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    offered = "client-chosen-id-12345678"
    first = client.get("/impressum/", HTTP_X_REQUEST_ID=offered)["X-Request-ID"]
    second = client.get("/impressum/", HTTP_X_REQUEST_ID=offered)["X-Request-ID"]
    assert offered not in (first, second) and first != second


def test_text_format_for_development() -> None:
    record = logging.LogRecord("kommunalschutz.x", logging.WARNING, __file__, 1, "Plain %s", ("line",), None)
    assert TextFormatter().format(record).endswith("WARNING kommunalschutz.x Plain line")


def _log_format(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "LOG_FORMAT")}
    env.update({"KOMMUNALSCHUTZ_TESTING": "1", **environment})
    env["DJANGO_SETTINGS_MODULE"] = "kommunalschutz.config.settings"
    return subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.LOG_FORMAT)"],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_log_format_defaults_to_json_and_to_text_in_debug() -> None:
    assert _log_format().stdout.strip() == "json"
    assert _log_format(DEBUG="true").stdout.strip() == "text"
    assert _log_format(DEBUG="true", LOG_FORMAT="json").stdout.strip() == "json"
    refused = _log_format(LOG_FORMAT="xml")
    assert refused.returncode != 0 and "LOG_FORMAT must be json or text" in refused.stderr
