"""Every setting the code reads is defined, and every environment variable is documented.

A read like ``getattr(settings, "SITE_URL", "")`` of a setting that settings.py never defines works
silently with its default, and the operator never learns the variable exists. So: every
``settings.NAME`` and ``getattr(settings, "NAME", …)`` in kommunalschutz/ names a setting that
kommunalschutz/config/settings.py (or Django's own defaults) defines, and every environment variable
settings.py and gunicorn.conf.py read is in docs/settings.md.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import global_settings

from kommunalschutz.config import settings as project_settings

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "kommunalschutz"
CONFIG = PACKAGE / "config"


def settings_read(path: Path) -> list[tuple[str, int]]:
    """The names of django.conf.settings read in a module: attribute reads and getattr() with a literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.module == "django.conf" for alias in node.names if alias.name == "settings"}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.isupper()):
            found.append((node.attr, node.lineno))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
              and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) and node.args[0].id in aliases
              and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
            found.append((node.args[1].value, node.lineno))
    return found


def undefined_reads(package: Path, defined: set[str]) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name, line in settings_read(path):
            if name not in defined:
                problems.append(f"{path.relative_to(package.parent)}:{line} reads undefined setting {name}")
    return problems


def _defined() -> set[str]:
    return {name for name in dir(project_settings) if name.isupper()} | {
        name for name in dir(global_settings) if name.isupper()}


def test_code_reads_only_defined_settings() -> None:
    assert undefined_reads(PACKAGE, _defined()) == []


def test_a_read_of_an_undefined_setting_is_found(tmp_path: Path) -> None:
    module = tmp_path / "pkg" / "feature.py"
    module.parent.mkdir()
    module.write_text("from django.conf import settings as conf\n\n"
                      "def f():\n    return conf.NOT_A_SETTING, getattr(conf, 'ALSO_MISSING', 3), conf.DEBUG\n")
    assert undefined_reads(tmp_path / "pkg", _defined()) == [
        "pkg/feature.py:4 reads undefined setting NOT_A_SETTING",
        "pkg/feature.py:4 reads undefined setting ALSO_MISSING",
    ]


def _environment_variables() -> set[str]:
    settings_py = (CONFIG / "settings.py").read_text(encoding="utf-8")
    gunicorn = (CONFIG / "gunicorn.conf.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', settings_py))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z0-9_]+)"', gunicorn))
    names |= set(re.findall(r'_env_\w+\(\s*"([A-Z0-9_]+)"', gunicorn))
    return names


def test_every_environment_variable_is_documented() -> None:
    names = _environment_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "SITE_URL", "SURVEY_CODE_ATTEMPTS", "GUNICORN_BIND"} <= names
    documented = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert missing == []
