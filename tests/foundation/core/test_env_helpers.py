from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kommunalschutz.config import env


def test_env_str_fails_loudly_when_required_variable_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KS_EXAMPLE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="KS_EXAMPLE"):
        env.env_str("KS_EXAMPLE")


def test_file_variant_is_read_and_stripped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "value"
    path.write_text("from-file\n")
    monkeypatch.setenv("KS_EXAMPLE_FILE", str(path))
    assert env.env_str("KS_EXAMPLE") == "from-file"


def test_unreadable_file_variant_names_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KS_EXAMPLE_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="KS_EXAMPLE_FILE"):
        env.env_str("KS_EXAMPLE")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), ("off", False), ("0", False)])
def test_env_bool_accepts_common_spellings(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("KS_FLAG", raw)
    assert env.env_bool("KS_FLAG", not expected) is expected


def test_env_int_rejects_words_and_values_below_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KS_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="KS_NUMBER"):
        env.env_int("KS_NUMBER", 1)
    monkeypatch.setenv("KS_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("KS_NUMBER", 5, minimum=1)


def test_env_list_splits_and_trims(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KS_LIST", " a.example, b.example ,,")
    assert env.env_list("KS_LIST") == ["a.example", "b.example"]
