"""Production settings must refuse to start without real secrets, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

GOOD_SECRET = "x7Yq2Lr9Vt4Kp8Zs1Wm6Nc3Bf5Hd0Gj-aE_uIoPlMnBvCxZ"


def _start(env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL"}}
    env.update({"KOMMUNALSCHUTZ_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kommunalschutz.config.settings"})
    env.update(env_overrides)
    code = "import django; django.setup(); print('started')"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("secret", ["", "changeme", "django-insecure-abc", "short-but-real"])
def test_production_refuses_missing_or_placeholder_secret_key(secret: str, tmp_path: Path) -> None:
    env = {"DEBUG": "false", "ALLOWED_HOSTS": "example.org", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    if secret:
        env["SECRET_KEY"] = secret
    result = _start(env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


@pytest.mark.parametrize("keys", ["", "changeme", "not-a-fernet-key"])
def test_production_refuses_missing_or_invalid_encryption_keys(keys: str, tmp_path: Path) -> None:
    env = {"DEBUG": "false", "ALLOWED_HOSTS": "example.org", "SECRET_KEY": GOOD_SECRET}
    if keys:
        env["FIELD_ENCRYPTION_KEYS"] = keys
    result = _start(env, tmp_path)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_empty_allowed_hosts(tmp_path: Path) -> None:
    result = _start({"DEBUG": "false", "SECRET_KEY": GOOD_SECRET,
                     "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()}, tmp_path)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_real_secrets_from_files(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(GOOD_SECRET + "\n")
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}")
    result = _start({"DEBUG": "false", "ALLOWED_HOSTS": "example.org", "SECRET_KEY_FILE": str(secret_file),
                     "FIELD_ENCRYPTION_KEYS_FILE": str(keys_file)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_generates_and_keeps_its_own_secrets(tmp_path: Path) -> None:
    first = _start({"DEBUG": "true"}, tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "dev-secret-key").read_text()
    assert _start({"DEBUG": "true"}, tmp_path).returncode == 0
    assert (tmp_path / "dev-secret-key").read_text() == key
    assert oct((tmp_path / "dev-secret-key").stat().st_mode)[-3:] == "600"


def test_unparseable_boolean_names_the_variable(tmp_path: Path) -> None:
    result = _start({"DEBUG": "perhaps"}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr and "perhaps" in result.stderr


def test_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    result = _start({"DEBUG": "true", "TIME_ZONE": "Mars/Olympus"}, tmp_path)
    assert result.returncode != 0
    assert "TIME_ZONE" in result.stderr


def test_redis_url_switches_queue_and_cache_to_redis(tmp_path: Path) -> None:
    env = {"DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.HUEY['huey_class'], settings.CACHES['default']['BACKEND'])")
    env_full = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
                "KOMMUNALSCHUTZ_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kommunalschutz.config.settings",
                **env}
    result = subprocess.run([sys.executable, "-c", code], env=env_full, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "huey.RedisHuey" in result.stdout and "RedisCache" in result.stdout
