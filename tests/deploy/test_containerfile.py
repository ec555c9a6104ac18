"""The Containerfile, parsed (dockerfile-parse): Debian base, multi-stage, non-root, read-only root file system,
health check, no secrets, static files at build time; its ignore files; its health check script against a real
HTTP server; and its build-time collectstatic step run here as written (images cannot be built here)."""

from __future__ import annotations

import http.server
import io
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

from tests.deploy.conftest import DEPLOY
from tests.deploy.secrets_check import credentials_in, is_secret_name
from tests.deploy.tools import PROJECT_DIR

pytestmark = pytest.mark.once  # what it checks does not depend on the suite's database: CI runs it once

CONTAINERFILE = DEPLOY / "Containerfile"
HEALTHCHECK_SCRIPT = DEPLOY / "container" / "healthcheck.py"


@pytest.fixture(scope="module")
def parsed() -> DockerfileParser:
    # From memory: the parser seeks its file object on every read.
    return DockerfileParser(fileobj=io.BytesIO(CONTAINERFILE.read_bytes()))


def final_stage(parsed: DockerfileParser) -> list[dict[str, Any]]:
    structure: list[dict[str, Any]] = parsed.structure
    last_from = max(i for i, item in enumerate(structure) if item["instruction"] == "FROM")
    return structure[last_from:]


def instructions(stage: list[dict[str, Any]], name: str) -> list[str]:
    return [item["value"] for item in stage if item["instruction"] == name]


def test_it_is_a_multi_stage_build_on_debian_bookworm_with_python_3_11(parsed: DockerfileParser) -> None:
    assert len(parsed.parent_images) == 2
    for image in parsed.parent_images:
        assert image == "docker.io/library/python:3.11-slim-bookworm"


def test_the_final_stage_runs_as_a_numeric_unprivileged_user(parsed: DockerfileParser) -> None:
    stage = final_stage(parsed)
    (user,) = instructions(stage, "USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) >= 1000
    assert gid.isdigit() and int(gid) != 0
    # USER comes after every RUN: nothing runs as root after the switch, the process never does.
    positions = [item["instruction"] for item in stage]
    assert positions.index("USER") > max(i for i, name in enumerate(positions) if name == "RUN")
    assert f"--uid {uid}" in " ".join(instructions(stage, "RUN"))


def test_health_check_expose_and_command(parsed: DockerfileParser, compose: dict[str, Any]) -> None:
    stage = final_stage(parsed)
    (healthcheck,) = instructions(stage, "HEALTHCHECK")
    assert "/health/live" in healthcheck and "healthcheck.py" in healthcheck
    assert instructions(stage, "EXPOSE") == ["8000"]
    (command,) = instructions(stage, "CMD")
    import json

    assert json.loads(command) == compose["services"]["app-1"]["command"]


def test_read_only_root_needs_only_tmp_and_volumes(parsed: DockerfileParser) -> None:
    envs = parsed.envs
    for name in ("TMPDIR", "HOME", "MPLCONFIGDIR", "XDG_CACHE_HOME"):
        assert envs[name].startswith("/tmp"), name
    assert envs["PROMETHEUS_MULTIPROC_DIR"] == "/run/prometheus"
    assert envs["PYTHONDONTWRITEBYTECODE"] == "1"
    assert envs["STATIC_ROOT"] == "/opt/kommunalschutz/static"
    assert envs["KOMMUNALSCHUTZ_VAR_DIR"] == "/var/lib/kommunalschutz"
    stage = final_stage(parsed)
    assert instructions(stage, "VOLUME") == ['["/var/lib/kommunalschutz"]']
    # Logs: unbuffered to stdout/stderr; gunicorn's default access and error logs are "-".
    assert envs["PYTHONUNBUFFERED"] == "1"


def test_no_secret_in_the_image(parsed: DockerfileParser) -> None:
    for name, value in {**parsed.envs, **parsed.args, **parsed.labels}.items():
        assert not is_secret_name(name), name
        assert credentials_in(value) == []
    text = CONTAINERFILE.read_text(encoding="utf-8")
    assert credentials_in(text) == []
    # The build's throwaway keys live in a temporary directory removed in the same RUN.
    (collect,) = [run for run in instructions(parsed.structure, "RUN") if "collectstatic" in run]
    assert 'rm -rf "$build_tmp"' in collect
    assert "SECRET_KEY=" not in collect.replace("SECRET_KEY_FILE=", "")


def test_installs_the_lock_file_and_the_pdf_libraries_of_the_makefile(parsed: DockerfileParser) -> None:
    runs = " ".join(instructions(parsed.structure, "RUN"))
    assert "pip install --no-deps -r requirements/base.lock" in runs
    makefile = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nsystem-libs:", 1)[1].split("\n\n", 1)[0]
    packages = {token for token in re.findall(r"\b(?:lib[\w.+-]+|fonts-[\w-]+|fontconfig)\b", recipe)
                if ".so" not in token}
    assert packages == {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core", "fontconfig"}
    final_runs = " ".join(instructions(final_stage(parsed), "RUN"))
    for package in packages:
        assert f" {package} " in f" {final_runs} ", package
    assert "postgresql-client" in final_runs  # pg_dump for `kommunalschutz backup`


def test_oci_labels(parsed: DockerfileParser) -> None:
    labels = parsed.labels
    for key in ("title", "description", "licenses", "version", "revision", "created"):
        assert labels[f"org.opencontainers.image.{key}"], key
    assert labels["org.opencontainers.image.licenses"] == "AGPL-3.0-or-later"


def test_ignore_files_agree_and_admit_only_what_is_copied(parsed: DockerfileParser) -> None:
    dockerignore = (PROJECT_DIR / ".dockerignore").read_text(encoding="utf-8")
    assert (PROJECT_DIR / ".containerignore").read_text(encoding="utf-8") == dockerignore
    rules = [line.strip() for line in dockerignore.splitlines() if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"  # everything is left out unless named
    admitted = [rule[1:].rstrip("/") for rule in rules if rule.startswith("!")]
    for copy in instructions(parsed.structure, "COPY"):
        if copy.startswith("--from="):
            continue
        *sources, _target = shlex.split(copy)
        for source in sources:
            assert any(source == a or source.startswith(a + "/") for a in admitted), source
            assert (PROJECT_DIR / source).exists(), source
    for private in (".venv", "var", ".env", "deploy/secrets", "deploy/kommunalschutz.env"):
        assert not any(private == a or private.startswith(a + "/") for a in admitted), private


def test_the_build_time_collectstatic_step_loads_without_secrets(parsed: DockerfileParser, tmp_path: Path) -> None:
    """The Containerfile's own collectstatic step, run here as written (with --dry-run, and this checkout's
    virtual environment and a scratch STATIC_ROOT instead of the image's paths): the production settings load
    with the throwaway keys and nothing else, so the image build does not stop there."""
    (collect,) = [run for run in instructions(parsed.structure, "RUN") if "collectstatic" in run]
    venv_bin = Path(sys.executable).parent
    script = (collect.replace(".venv/bin/", f"{venv_bin}/")
              .replace("/opt/kommunalschutz/static", str(tmp_path / "static"))
              .replace("collectstatic --noinput", "collectstatic --noinput --dry-run"))
    assert "--dry-run" in script
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    result = subprocess.run(["sh", "-c", script], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("tmp")]
    assert leftovers == [], "the throwaway keys' directory must be removed"


# --- the health check script, against a real HTTP server ---------------------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        status = 200 if self.path == "/health/live" else 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def probe_server() -> Iterator[int]:
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _healthcheck(path: str, port: int, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK_SCRIPT), path, str(port)],
        env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, check=False, timeout=30,
    )


def test_healthcheck_passes_on_200_and_names_an_allowed_host(probe_server: int) -> None:
    result = _healthcheck("/health/live", probe_server, ALLOWED_HOSTS=".kommunalschutz.example.de,other.de")
    assert result.returncode == 0, result.stderr
    (request,) = _Recorder.seen
    assert request["path"] == "/health/live"
    assert request["host"] == "kommunalschutz.example.de"
    assert request["x-forwarded-proto"] == "https"


def test_healthcheck_fails_on_503(probe_server: int) -> None:
    result = _healthcheck("/health/ready", probe_server)
    assert result.returncode == 1
    assert "HTTP 503" in result.stderr
    assert _Recorder.seen[0]["host"] == "localhost"


def test_healthcheck_fails_when_nothing_listens(probe_server: int) -> None:
    import socket

    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        closed_port = placeholder.getsockname()[1]
    result = _healthcheck("/health/live", closed_port)
    assert result.returncode == 1
    assert "health check /health/live" in result.stderr
