"""The online survey's paths (the access code rides in the query string) stay out of the access logs."""

from __future__ import annotations

import pytest

from tests.protection.intake.test_gunicorn_private_paths import CONF, _atoms, _load


def test_survey_paths_are_cut_in_gunicorns_access_log(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load(monkeypatch)
    assert "/umfrage/" in module.PRIVATE_PATH_PREFIXES
    for path in ("/umfrage/", "/umfrage/seite/3/", "/umfrage/erfassung/4/"):
        atoms = _atoms(module, path)
        assert atoms["U"] == "/umfrage/…"
        assert atoms["q"] == atoms["h"] == "-"
        assert "203.0.113.9" not in str(atoms)


def test_the_nginx_example_cuts_the_survey_paths_too() -> None:
    text = (CONF.parents[2] / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert '~^/umfrage/              "/umfrage/...";' in text
