"""deploy/compose.yaml: valid against the Compose specification's JSON schema (as bundled by check-jsonschema,
so no network), the contract with the multi-node test (service names, argv of each process), secrets only as
files, read-only app containers, health checks and start order; deploy/make-secrets.sh run for real."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import dj_database_url
import jsonschema
import pytest
import yaml

from tests.deploy.conftest import DEPLOY
from tests.deploy.secrets_check import credentials_in, is_secret_name
from tests.deploy.tools import PROJECT_DIR

pytestmark = pytest.mark.once  # what it checks does not depend on the suite's database: CI runs it once

SERVICES = {"postgres", "redis", "migrate", "app-1", "app-2", "worker", "nginx"}
PLATFORM = ("migrate", "app-1", "app-2", "worker")
GUNICORN = ["gunicorn", "-c", "kommunalschutz/config/gunicorn.conf.py"]


def compose_schema() -> dict[str, Any]:
    source = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return schema


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []


def test_the_schema_check_refuses_a_misspelt_key(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["app-1"]["read_onyl"] = True
    assert schema_errors(broken)


def test_services_are_exactly_the_standard_size(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == SERVICES


def test_processes_are_the_ones_a_host_runs(compose: dict[str, Any]) -> None:
    """The contract with the multi-node test: each platform process is an explicit argv whose program is on
    PATH in the image and in a virtual environment on a host."""
    services = compose["services"]
    assert services["migrate"]["command"] == ["kommunalschutz", "migrate", "--noinput"]
    assert services["app-1"]["command"] == GUNICORN
    assert services["app-2"]["command"] == GUNICORN
    assert services["worker"]["command"] == ["kommunalschutz", "run_huey"]
    venv_bin = Path(sys.executable).parent
    for name in PLATFORM:
        command = services[name]["command"]
        assert isinstance(command, list) and all(isinstance(part, str) for part in command)
        assert (venv_bin / command[0]).exists(), f"{command[0]} is not in the virtual environment"
    assert (PROJECT_DIR / GUNICORN[2]).is_file()


@pytest.mark.parametrize("service", ["migrate", "worker"])
def test_kommunalschutz_commands_exist(compose: dict[str, Any], service: str) -> None:
    command = compose["services"][service]["command"]
    env = {**os.environ, "KOMMUNALSCHUTZ_TESTING": "1"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / command[0]), command[1], "--help"], cwd=PROJECT_DIR, env=env,
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_gunicorn_accepts_the_configuration(compose: dict[str, Any]) -> None:
    command = compose["services"]["app-1"]["command"]
    env = {**os.environ, "KOMMUNALSCHUTZ_TESTING": "1", "GUNICORN_BIND": "0.0.0.0:8000"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / command[0]), *command[1:], "--check-config"], cwd=PROJECT_DIR,
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_secrets_come_only_as_files(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert credentials_in(text) == []
    declared = compose["secrets"]
    for name, secret in declared.items():
        assert set(secret) == {"file"}, name
        assert secret["file"].startswith("./secrets/")
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if variable == "REDIS_URL":  # Redis on the internal network has no password to hide
                assert credentials_in(value) == [] and "@" not in value
                continue
            assert not is_secret_name(variable), (name, variable)
            if variable.endswith("_FILE") and is_secret_name(variable.removesuffix("_FILE")):
                secret = value.removeprefix("/run/secrets/")
                assert value.startswith("/run/secrets/") and secret in service["secrets"], (name, variable)
        for secret in service.get("secrets", []):
            assert secret in declared


def test_secret_files_are_git_ignored() -> None:
    for path in ("deploy/secrets/database_url", "deploy/kommunalschutz.env"):
        result = subprocess.run(["git", "check-ignore", "-q", path], cwd=PROJECT_DIR, check=False)
        assert result.returncode == 0, f"{path} is not git-ignored"


def test_only_migrate_gets_the_owner_role(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        owner = "migration_database_url" in service.get("secrets", [])
        assert owner is (name == "migrate"), name
        assert ("MIGRATION_DATABASE_URL_FILE" in (service.get("environment") or {})) is (name == "migrate")
    for name in PLATFORM:
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL_FILE"] == "/run/secrets/database_url"


def test_platform_containers_are_read_only_and_unprivileged(compose: dict[str, Any]) -> None:
    for name in PLATFORM:
        service = compose["services"][name]
        assert service["read_only"] is True
        tmpfs = [entry.split(":", 1)[0] for entry in service["tmpfs"]]
        assert "/tmp" in tmpfs and "/run/prometheus" in tmpfs
        uid, _, gid = service["user"].partition(":")
        assert int(uid) >= 1000 and int(gid) != 0
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert "ports" not in service, "only nginx is reachable from outside"
        assert service["env_file"] == "kommunalschutz.env"
    for name in ("redis", "nginx"):
        assert compose["services"][name]["read_only"] is True


def test_start_order_and_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for name in ("app-1", "app-2", "worker"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert services["nginx"]["depends_on"] == {"app-1": {"condition": "service_healthy"},
                                               "app-2": {"condition": "service_healthy"}}
    for name in ("postgres", "redis", "app-1", "app-2", "nginx"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert "/health/live" in services["app-1"]["healthcheck"]["test"]
    assert services["worker"]["stop_signal"] == "SIGINT"


def test_volumes_networks_and_redis_without_persistence(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith(("./", "/")):
                used.add(source)
    assert used == declared == {"postgres-data", "var"}
    assert compose["networks"]["data"]["internal"] is True
    assert compose["services"]["postgres"]["networks"] == ["data"]
    assert compose["services"]["redis"]["networks"] == ["data"]
    assert "data" not in compose["services"]["nginx"]["networks"]
    redis = compose["services"]["redis"]["command"]
    assert redis[redis.index("--save") + 1] == "" and redis[redis.index("--appendonly") + 1] == "no"
    assert compose["services"]["postgres"]["image"].endswith(":15-bookworm")  # pg_dump 15 in the image
    for mount in compose["services"]["nginx"]["volumes"] + compose["services"]["postgres"]["volumes"]:
        if mount.startswith("./"):
            assert (DEPLOY / mount.split(":")[0]).is_file(), mount


def test_env_example_holds_no_secret() -> None:
    lines = (DEPLOY / "kommunalschutz.env.example").read_text(encoding="utf-8").splitlines()
    settings = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert settings["DEBUG"] == "false"
    assert not [name for name in settings if is_secret_name(name)]


def test_make_secrets_writes_consistent_secrets_once(tmp_path: Path) -> None:
    from kommunalschutz.config.secrets import validate_encryption_keys, validate_secret_key

    script = tmp_path / "make-secrets.sh"
    shutil.copy(DEPLOY / "make-secrets.sh", script)
    first = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=True)
    secrets = tmp_path / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    expected = {Path(secret["file"]).name for secret in compose["secrets"].values()}
    assert {path.name for path in secrets.iterdir()} == expected
    values = {path.name: path.read_text(encoding="utf-8").strip() for path in secrets.iterdir()}
    for path in secrets.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    runtime = dj_database_url.parse(values["database_url"])
    owner = dj_database_url.parse(values["migration_database_url"])
    assert (runtime["USER"], runtime["PASSWORD"]) == ("kommunalschutz", values["runtime_db_password"])
    assert (owner["USER"], owner["PASSWORD"]) == ("kommunalschutz_owner", values["owner_db_password"])
    assert runtime["HOST"] == owner["HOST"] == "postgres" and runtime["NAME"] == "kommunalschutz"
    assert len({values["postgres_password"], values["owner_db_password"], values["runtime_db_password"]}) == 3
    validate_secret_key(values["secret_key"], debug=False)
    validate_encryption_keys([values["field_encryption_keys"]], debug=False)
    assert len(values["metrics_token"]) >= 24
    # The roles the URLs name are the ones the PostgreSQL container creates.
    init = (DEPLOY / "postgres" / "init-roles.sh").read_text(encoding="utf-8")
    assert "CREATE ROLE kommunalschutz_owner LOGIN" in init and "CREATE ROLE kommunalschutz LOGIN" in init
    assert "CREATE DATABASE kommunalschutz OWNER kommunalschutz_owner" in init
    # A second run keeps every secret (a new encryption key would make the data unreadable).
    second = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=True)
    assert "written" in first.stdout and "written" not in second.stdout
    assert {path.name: path.read_text(encoding="utf-8").strip() for path in secrets.iterdir()} == values
