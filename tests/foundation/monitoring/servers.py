"""A real gunicorn with production settings (DEBUG off) on the suite's database, as in
tests/foundation/core/test_pages_under_gunicorn.py, with the environment a test needs on top."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import connection

from bench import deployment
from bench.deployment import Server


@contextlib.contextmanager
def gunicorn(tmp_path: Path, name: str, *, pages: bool = True, **environment: str) -> Iterator[Server]:
    """gunicorn on the test database (on SQLite the file copy of tests/concurrency/conftest.py), started
    with ``environment`` added, until /health/live answers. ``pages``: collect the static files first, as
    production does, which every page names (not needed for probes alone)."""
    env = deployment.create("sqlite", tmp_path / name).env
    env["WEB_CONCURRENCY"] = "2"
    var_dir = tmp_path / name / "var"
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = deployment.with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
        env.update(deployment.suite_pooling())
    else:
        var_dir = Path(connection.settings_dict["NAME"]).parent  # where the copy of the test database lies
    env["KOMMUNALSCHUTZ_VAR_DIR"] = str(var_dir)
    env.update(environment)
    dep = deployment.Deployment(kind="sqlite", var_dir=tmp_path / name / "sqlite", env=env)
    if pages:
        deployment.manage(dep, "collectstatic", "collectstatic", "--noinput")
    running = deployment.start_gunicorn(dep, log_name=name)
    try:
        deployment.wait_until_ready(running, "/health/live", timeout=90)
        yield running
    finally:
        deployment.stop(running)


def closed_port() -> int:
    """A local port nobody listens on (bound once to find it, then released)."""
    return deployment.free_port()


def log_lines(server: Server) -> list[dict[str, Any]]:
    """Every line gunicorn and the platform wrote, each parsed as one JSON object (fails on any other line)."""
    lines = []
    text = server.log.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(text, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            following = "\n".join(text[number - 1:number + 30])
            raise AssertionError(f"log line {number} is not JSON:\n{following}") from exc
        assert isinstance(entry, dict), line
        lines.append(entry)
    return lines
