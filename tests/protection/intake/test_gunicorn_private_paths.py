"""The anonymous paths are private in gunicorn's access log: no address, no user agent, path cut."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[3] / "kommunalschutz" / "config" / "gunicorn.conf.py"


def _load(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.delenv("GUNICORN_PRIVATE_PATHS", raising=False)
    spec = importlib.util.spec_from_file_location("ks_gunicorn_conf", CONF)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _atoms(module: ModuleType, path: str) -> dict[str, Any]:
    logger = module.PrivacyLogger(Config())
    environ = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Agent/1", "PATH_INFO": path, "QUERY_STRING": "",
               "REQUEST_METHOD": "POST", "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": path}
    request = SimpleNamespace(headers=[("USER-AGENT", "Agent/1"), ("X-FORWARDED-FOR", "203.0.113.9")])
    response = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
    result: dict[str, Any] = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))
    return result


def test_the_anonymous_paths_are_private_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load(monkeypatch)
    assert {"/konto/passwort-neu/", "/melden/anonym", "/api/v1/public/reports"} <= set(module.PRIVATE_PATH_PREFIXES)
    for path, prefix in (("/melden/anonym/nachverfolgen/", "/melden/anonym"),
                         ("/api/v1/public/reports/lookup", "/api/v1/public/reports")):
        atoms = _atoms(module, path)
        assert atoms["h"] == atoms["a"] == "-"
        assert atoms["U"] == f"{prefix}…"
        # No atom an operator could put in the format - headers ({name}i), environ ({name}e) - holds them.
        assert "203.0.113.9" not in str(atoms) and "Agent/1" not in str(atoms)
    ordinary = _atoms(module, "/impressum/")
    assert ordinary["U"] == "/impressum/"


def test_deployment_docs_name_the_private_paths() -> None:
    text = (CONF.parents[2] / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "/melden/anonym" in text and "/api/v1/public/reports" in text
