"""The operator command `kommunalschutz` (installed console script) wraps manage.py with aliases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def _cli(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("kommunalschutz", path=str(Path(sys.executable).parent))
    assert script, "the console script is installed with the package"
    full_env = {**{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}},
                "KOMMUNALSCHUTZ_VAR_DIR": str(tmp_path), **env}
    return subprocess.run([script, *args], env=full_env, capture_output=True, text=True, timeout=120)


def test_generate_key_prints_a_valid_fernet_key(tmp_path: Path) -> None:
    result = _cli("generate-key", tmp_path=tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr
    Fernet(result.stdout.strip().encode())


def test_check_deploy_reports_problems_of_a_development_setup(tmp_path: Path) -> None:
    assert _cli("migrate", "-v0", tmp_path=tmp_path, DEBUG="true").returncode == 0
    result = _cli("check-deploy", tmp_path=tmp_path, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr
    assert "Gemeindeverzeichnis ist leer" in result.stderr  # the operator reads German


def test_demo_refuses_with_debug_off_unless_forced(tmp_path: Path) -> None:
    env = {"DEBUG": "false", "ALLOWED_HOSTS": "localhost", "SECRET_KEY": "k" * 20 + "Q7wZ-x9Lm2Rt5Vb8Nc1Pq",
           "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "SECURE_SSL_REDIRECT": "false"}
    assert _cli("migrate", "-v0", tmp_path=tmp_path, **env).returncode == 0
    result = _cli("demo", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    assert "--force-demo" in result.stderr


def test_every_command_the_makefile_and_readme_name_exists() -> None:
    """`make run` and the README call the operator command by its hyphenated names; each must resolve."""
    import re

    from django.core.management import get_commands

    from kommunalschutz.cli import ALIASES

    root = Path(__file__).resolve().parents[3]
    text = (root / "Makefile").read_text(encoding="utf-8")
    named = set(re.findall(r"\$\(MANAGE\) ([a-z][a-z_-]+)", text))
    readme = (root / "README.md").read_text(encoding="utf-8")
    operator = readme[readme.index("Operators: the `kommunalschutz` command"):]
    named |= set(re.findall(r"`([a-z]+(?:-[a-z]+)+)", operator[:600]))
    assert "import-pks" in named and "demo" in named
    known = set(get_commands())
    missing = {name for name in named if ALIASES.get(name, name) not in known}
    assert missing == set()
