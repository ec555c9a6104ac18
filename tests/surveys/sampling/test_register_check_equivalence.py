"""The faster register check says exactly what the row-by-row check said (issue 14 item 4, decision 0028).

register_corpus/ holds good and bad register files (including the bad-input corpus) and, for each, the
golden outcome written by the old checker of main 0c34a95 before it was replaced (make_corpus.py):
encoding detection, the report (every message, line and column, the counts per kind of problem), the
counts, the population cells and a digest of the persons of the frame. Nothing here runs the old code.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommunalschutz.foundation.core import csvfiles
from kommunalschutz.surveys.sampling import register_format
from tests.surveys.sampling.register_corpus import make_corpus

CORPUS = make_corpus.HERE
FILES = sorted(path.name.removesuffix(".csv") for path in CORPUS.glob("*.csv"))


def test_the_corpus_is_complete() -> None:
    assert len(FILES) >= 30
    assert all((CORPUS / f"{name}.golden.json").exists() for name in FILES)
    kinds: set[str] = set()
    for name in FILES:
        kinds |= set(
            json.loads((CORPUS / f"{name}.golden.json").read_text("utf-8")).get("report", {}).get("by_kind", {})
        )
    assert kinds == set(register_format.problem_kind_labels()), "every kind of problem occurs in the corpus"


@pytest.mark.parametrize("name", FILES)
def test_the_check_reports_exactly_what_the_old_check_reported(name: str) -> None:
    golden: dict[str, Any] = json.loads((CORPUS / f"{name}.golden.json").read_text("utf-8"))
    assert make_corpus.outcome(CORPUS / f"{name}.csv") == golden


@pytest.mark.parametrize("name", [name for name in FILES if "mixed" in name or "cp1252" in name or "bom" in name])
def test_the_encoding_scan_gives_the_same_lines_when_blocks_end_anywhere(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan reads the file in blocks of whole lines; tiny blocks put a boundary after every line."""
    golden: dict[str, Any] = json.loads((CORPUS / f"{name}.golden.json").read_text("utf-8"))
    for size in (1, 7, 100):
        monkeypatch.setattr(csvfiles, "BLOCK", size)
        assert make_corpus.outcome(CORPUS / f"{name}.csv") == golden, size


def test_the_corpus_files_are_the_ones_the_goldens_were_written_for() -> None:
    """The committed inputs are what make_corpus.py writes (so a changed generator is noticed)."""
    for name, content in make_corpus.files():
        assert (CORPUS / f"{name}.csv").read_bytes() == content, name


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.printable + "äöüÄÖÜßéèêñçøåæœﬁﬂ½²³ \u00a0\u2003\u0308\u0301\u0130\u0131Σ\u03c3ς"),
        st.characters(codec="utf-8"),
    ),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(TEXT, TEXT)
def test_cleaning_and_folding_in_one_step_is_clean_and_fold(first: str, second: str) -> None:
    joined = f"{first} {second}"
    for text in (first, joined):
        assert register_format._clean_and_fold(text) == (register_format._clean(text), register_format.fold(text))
    # What the check relies on for "street house number": the fold of cleaned, joined fields is the folds joined.
    cleaned = " ".join(joined.split())
    assert register_format.fold(cleaned) == (
        register_format._clean_and_fold(first)[1] + register_format._clean_and_fold(second)[1]
    )
