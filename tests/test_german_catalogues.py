"""Every German catalogue is complete: no untranslated and no fuzzy entry, and the .mo says what the .po says.

The survey wing's own test (tests/surveys/test_survey_wing_translations.py) checks more for its apps; this
one holds every catalogue to the minimum, so that moving code between apps (whose strings then move to
another app's catalogue with `make messages`) cannot leave a page with English text.
"""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

from tests.surveys.test_survey_wing_translations import parse_po

PACKAGE = Path(__file__).resolve().parent.parent / "kommunalschutz"
CATALOGUES = sorted(PACKAGE.glob("**/locale/de/LC_MESSAGES/django.po"))


def test_every_app_and_the_shell_have_a_catalogue() -> None:
    apps = {path.parents[3] for path in CATALOGUES}
    assert PACKAGE in apps
    assert len(apps) >= 18


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.parents[3].relative_to(PACKAGE.parent)))
def test_catalogue_is_complete_and_compiled(path: Path) -> None:
    entries = [entry for entry in parse_po(path) if entry.msgid]
    incomplete = [entry.msgid for entry in entries
                  if "fuzzy" in entry.flags or not all(entry.msgstr.values()) or not entry.msgstr]
    assert incomplete == []
    with path.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in entries:
        if entry.msgid_plural is None and entry.msgctxt is None:
            assert catalogue.gettext(entry.msgid) == entry.msgstr[0], entry.msgid


def test_a_fuzzy_entry_is_found(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  '#, fuzzy\nmsgid "Case"\nmsgstr "Fall"\n\nmsgid "Open"\nmsgstr ""\n', encoding="utf-8")
    entries = [entry for entry in parse_po(po) if entry.msgid]
    assert [(entry.msgid, "fuzzy" in entry.flags, entry.msgstr) for entry in entries] == [
        ("Case", True, {0: "Fall"}), ("Open", False, {0: ""})]
