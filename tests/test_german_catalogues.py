"""Every German catalogue is complete: no untranslated and no fuzzy entry, and the .mo says what the .po says.
A message has one German wording in every catalogue, and every message renders its own catalogue's German.

The survey wing's own test (tests/surveys/test_survey_wing_translations.py) checks more for its apps; this
one holds every catalogue to the minimum, so that moving code between apps (whose strings then move to
another app's catalogue with `make messages`) cannot leave a page with English text.
"""

from __future__ import annotations

import gettext
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils import translation

from tests.surveys.test_survey_wing_translations import Entry, parse_po

PACKAGE = Path(__file__).resolve().parent.parent / "kommunalschutz"
CATALOGUES = sorted(PACKAGE.glob("**/locale/de/LC_MESSAGES/django.po"))


def catalogue_name(path: Path) -> str:
    return str(path.parents[3].relative_to(PACKAGE.parent))


def test_every_app_and_the_shell_have_a_catalogue() -> None:
    apps = {path.parents[3] for path in CATALOGUES}
    assert PACKAGE in apps
    assert len(apps) >= 18


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_name)
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


# ---------------------------------------------------------------------------------------------------
# One German wording per message
#
# Django merges every catalogue into one: LOCALE_PATHS (the shell's) first, then the apps in the order of
# INSTALLED_APPS (django.contrib's before ours), and the first catalogue that has a message wins. The same
# English msgid translated differently in two catalogues therefore shows one app's German on the other app's
# pages. Same meaning: one wording in every catalogue. Another meaning: the minority use gets a context
# (pgettext / {% translate "…" context "…" %}), see docs/foundation/german.md.

Key = tuple[str | None, str]  # (msgctxt, msgid): what gettext looks a message up by


def wordings(catalogues: dict[str, list[Entry]]) -> dict[Key, dict[str, tuple[str | None, tuple[str, ...]]]]:
    """For every (msgctxt, msgid): each catalogue's (msgid_plural, German forms)."""
    found: dict[Key, dict[str, tuple[str | None, tuple[str, ...]]]] = defaultdict(dict)
    for name, entries in catalogues.items():
        for entry in entries:
            if entry.msgid:
                found[(entry.msgctxt, entry.msgid)][name] = (
                    entry.msgid_plural, tuple(entry.msgstr[index] for index in sorted(entry.msgstr)))
    return found


def collisions(catalogues: dict[str, list[Entry]]) -> list[str]:
    """Messages that two catalogues translate differently, each naming both catalogues and both wordings."""
    found = []
    messages = wordings(catalogues)
    for context, msgid in sorted(messages, key=lambda key: (key[1], key[0] or "")):
        by_catalogue = messages[(context, msgid)]
        names = sorted(by_catalogue)
        first = names[0]
        for other in names[1:]:
            if by_catalogue[other] != by_catalogue[first]:
                label = f"[{context}] {msgid!r}" if context else repr(msgid)
                found.append(f"{label}: {first} says {by_catalogue[first]!r}, {other} says {by_catalogue[other]!r}")
    return found


def test_a_message_translated_differently_in_two_catalogues_is_found(tmp_path: Path) -> None:
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    one, two = tmp_path / "one.po", tmp_path / "two.po"
    one.write_text(header + 'msgid "Area"\nmsgstr "Fläche"\n\nmsgid "Case"\nmsgstr "Fall"\n\n'
                   'msgid "%(n)s case"\nmsgid_plural "%(n)s cases"\nmsgstr[0] "%(n)s Fall"\nmsgstr[1] "%(n)s Fälle"\n',
                   encoding="utf-8")
    two.write_text(header + 'msgid "Area"\nmsgstr "Gebiet"\n\nmsgctxt "area served"\nmsgid "Case"\nmsgstr "Sache"\n\n'
                   'msgid "Case"\nmsgstr "Fall"\n\n'
                   'msgid "%(n)s case"\nmsgid_plural "%(n)s cases"\nmsgstr[0] "%(n)s Fall"\nmsgstr[1] "%(n)s Faelle"\n',
                   encoding="utf-8")
    assert collisions({"one": parse_po(one), "two": parse_po(two)}) == [
        "'%(n)s case': one says ('%(n)s cases', ('%(n)s Fall', '%(n)s Fälle')), "
        "two says ('%(n)s cases', ('%(n)s Fall', '%(n)s Faelle'))",
        "'Area': one says (None, ('Fläche',)), two says (None, ('Gebiet',))",
    ]


def test_every_message_has_one_german_wording_in_all_catalogues() -> None:
    """The same (msgctxt, msgid) must not say two things: whichever catalogue Django takes first, every page
    reads the same German. A message that means something else in one app gets a context there."""
    assert collisions({catalogue_name(path): parse_po(path) for path in CATALOGUES}) == []


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_name)
def test_every_message_renders_its_own_catalogues_german(path: Path) -> None:
    """What a page gets from gettext under German is what the app's own catalogue says: no other catalogue of
    ours, and none of Django's or a library's (their apps come first in INSTALLED_APPS), overrides it."""
    wrong = []
    with translation.override("de"):
        for entry in parse_po(path):
            if not entry.msgid:
                continue
            context = entry.msgctxt
            label = f"[{context}] {entry.msgid!r}" if context else repr(entry.msgid)
            if entry.msgid_plural is None:
                got = translation.pgettext(context, entry.msgid) if context else translation.gettext(entry.msgid)
                if got != entry.msgstr[0]:
                    wrong.append(f"{label} gives {got!r}, not {entry.msgstr[0]!r}")
                continue
            for n, index in ((1, 0), (2, 1)):
                got = (translation.npgettext(context, entry.msgid, entry.msgid_plural, n) if context
                       else translation.ngettext(entry.msgid, entry.msgid_plural, n))
                if got != entry.msgstr[index]:
                    wrong.append(f"{label} (n={n}) gives {got!r}, not {entry.msgstr[index]!r}")
    assert wrong == []
