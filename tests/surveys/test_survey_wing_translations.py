"""The survey wing speaks through gettext like every other app (docs/decisions/0012-survey-wing-i18n.md).

- Every German catalogue of the four survey apps is complete: no untranslated and no fuzzy entry, and the
  committed .mo says what the .po says.
- Every msgid of these catalogues renders its own German under the German locale, so a same msgid with
  another German text in another app's catalogue cannot change a survey page unnoticed.
- No survey-wing template shows text outside the translate tags: after removing template tags, variables,
  comments, <style>/<script> and HTML tags, no letters are left; aria-label, title, alt and placeholder
  values are template expressions only; filter arguments that print words go through _().
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

SURVEYS = Path(__file__).resolve().parents[2] / "kommunalschutz" / "surveys"
APPS = ("projects", "sampling", "responses", "findings")
CATALOGUES = {app: SURVEYS / app / "locale" / "de" / "LC_MESSAGES" / "django.po" for app in APPS}
TEMPLATES = sorted(path for app in APPS for path in (SURVEYS / app / "templates").rglob("*.html"))

# Text that is the same in every language and may stand outside translate tags.
ALLOWED_TEXT = {"n"}  # the statistical symbol for the number of answers in a column head


# ---------------------------------------------------------------------------------------------------
# A small .po parser (polib is not a dependency)


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """The active (not obsolete) entries of a .po file, the header included (msgid ""). Entries are
    separated by blank lines, as gettext's tools and makemessages write them."""
    entries: list[Entry] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    block: list[tuple[int, str]] = []
    for number, raw in enumerate([*lines, ""], start=1):
        line = raw.strip()
        if line:
            block.append((number, line))
            continue
        if block:
            entry = Entry(line=block[0][0])
            target: tuple[str, int] | None = None
            for where, text in block:
                if text.startswith("#,"):
                    entry.flags |= {flag.strip() for flag in text[2:].split(",")}
                    continue
                if text.startswith("#"):  # comments, references, obsolete entries (#~)
                    continue
                if text.startswith('"'):
                    assert target is not None, f"{path}:{where}: continuation without keyword"
                    value = ast.literal_eval(text)
                else:
                    keyword, _, rest = text.partition(" ")
                    value = ast.literal_eval(rest)
                    match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                    target = ("msgstr", int(match[1])) if match else (keyword, 0)
                name, index = target
                if name == "msgctxt":
                    entry.msgctxt = (entry.msgctxt or "") + value
                elif name == "msgid":
                    entry.msgid += value
                elif name == "msgid_plural":
                    entry.msgid_plural = (entry.msgid_plural or "") + value
                elif name == "msgstr":
                    entry.msgstr[index] = entry.msgstr.get(index, "") + value
                else:
                    raise AssertionError(f"{path}:{where}: unknown keyword {name}")
            if target is not None:
                entries.append(entry)
        block = []
    return entries


def messages(app: str) -> list[Entry]:
    return [entry for entry in parse_po(CATALOGUES[app]) if entry.msgid]


def label(entry: Entry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"line {entry.line}: {context}{entry.msgid!r}"


@pytest.mark.parametrize("app", APPS)
def test_german_catalogue_has_no_untranslated_or_fuzzy_entry(app: str) -> None:
    entries = messages(app)
    assert entries, f"{CATALOGUES[app]} has no messages"
    fuzzy = [label(entry) for entry in entries if "fuzzy" in entry.flags]
    untranslated = [label(entry) for entry in entries
                    if not entry.msgstr or any(not text for text in entry.msgstr.values())
                    or (entry.msgid_plural is not None and len(entry.msgstr) < 2)]
    assert fuzzy == [], f"fuzzy entries in {CATALOGUES[app]}"
    assert untranslated == [], f"untranslated entries in {CATALOGUES[app]}"


@pytest.mark.parametrize("app", APPS)
def test_compiled_catalogue_matches_the_po_file(app: str) -> None:
    """The .mo is committed next to the .po; a .po edited without compilemessages would not show."""
    with CATALOGUES[app].with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in messages(app):
        context = entry.msgctxt
        if entry.msgid_plural is None:
            got = compiled.pgettext(context, entry.msgid) if context else compiled.gettext(entry.msgid)
            if got != entry.msgstr[0]:
                stale.append(label(entry))
        else:
            for n, index in ((1, 0), (2, 1)):
                got = (compiled.npgettext(context, entry.msgid, entry.msgid_plural, n) if context
                       else compiled.ngettext(entry.msgid, entry.msgid_plural, n))
                if got != entry.msgstr[index]:
                    stale.append(label(entry))
    assert stale == [], f"{CATALOGUES[app].with_suffix('.mo')} is out of date; run compilemessages"


@pytest.mark.parametrize("app", APPS)
def test_every_survey_message_renders_its_own_german(app: str) -> None:
    """Django merges all catalogues; a msgid that another app translates differently wins or loses by app
    order. Every survey msgid must come out as this catalogue's German."""
    wrong = []
    with translation.override("de"):
        for entry in messages(app):
            context = entry.msgctxt
            if entry.msgid_plural is None:
                got = translation.pgettext(context, entry.msgid) if context else translation.gettext(entry.msgid)
                if got != entry.msgstr[0]:
                    wrong.append(f"{label(entry)} gives {got!r}, not {entry.msgstr[0]!r}")
            else:
                for n, index in ((1, 0), (2, 1)):
                    got = (translation.npgettext(context, entry.msgid, entry.msgid_plural, n) if context
                           else translation.ngettext(entry.msgid, entry.msgid_plural, n))
                    if got != entry.msgstr[index]:
                        wrong.append(f"{label(entry)} (n={n}) gives {got!r}, not {entry.msgstr[index]!r}")
    assert wrong == []


# ---------------------------------------------------------------------------------------------------
# Templates

BLOCK_TRANSLATE = re.compile(r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
COMMENT_BLOCK = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
RAW_BLOCKS = re.compile(r"<(style|script)\b[^>]*>.*?</\1\s*>", re.S | re.I)
TEXT_ATTRIBUTE = re.compile(r"""\b(aria-label|title|alt|placeholder)\s*=\s*("[^"]*"|'[^']*')""", re.I)
TEMPLATE_BITS = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
VARIABLE = re.compile(r"{{(.*?)}}", re.S)
# A filter argument that prints words: default, default_if_none, yesno with a quoted literal.
WORDY_FILTER = re.compile(r"""\|\s*(default|default_if_none|yesno)\s*:\s*("[^"]*"|'[^']*')""")
LETTER = re.compile(r"[^\W\d_]")


def visible_text_outside_translation(source: str) -> list[str]:
    """What a template shows that does not go through gettext, as a list of findings."""
    found: list[str] = []
    text = COMMENT_BLOCK.sub(" ", source)
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = RAW_BLOCKS.sub(" ", text)
    for variable in VARIABLE.findall(text):
        for name, literal in WORDY_FILTER.findall(variable):
            if LETTER.search(literal):
                found.append(f"filter argument {name}:{literal} (use _(…))")
    text = BLOCK_TRANSLATE.sub(" ", text)
    for name, value in TEXT_ATTRIBUTE.findall(text):
        rest = TEMPLATE_BITS.sub(" ", value[1:-1])
        if LETTER.search(rest):
            found.append(f'{name}="{value[1:-1].strip()}"')
    text = TEMPLATE_BITS.sub(" ", text)
    text = re.sub(r"<!DOCTYPE[^>]*>", " ", text, flags=re.I)
    text = re.sub(r"<[^>]*>", "\n", text)
    for node in text.splitlines():
        node = " ".join(node.split())
        node = re.sub(r"&[a-zA-Z]+;|&#\d+;", " ", node).strip()
        if node and LETTER.search(node) and node not in ALLOWED_TEXT:
            found.append(node)
    return found


def test_the_heuristic_sees_text_outside_translate_tags() -> None:
    assert visible_text_outside_translation('<p>Abbrechen</p><img alt="Wappen">') == ["alt=\"Wappen\"", "Abbrechen"]
    assert visible_text_outside_translation('{{ x|default:"offen" }}') == ['filter argument default:"offen" (use _(…))']
    clean = """{% load i18n %}<nav aria-label="{% translate 'You are here' %}"><p>{% translate "Cancel" %} -
      {% blocktranslate with n=x %}{{ n }} surveys{% endblocktranslate %} · {{ y|default:_("open") }}
      {{ z|date:"d.m.Y"|default:"-" }} %</p><style>p { content: "Text"; }</style>{# a comment #}</nav>"""
    assert visible_text_outside_translation(clean) == []


def test_survey_templates_show_no_text_outside_translate_tags() -> None:
    assert len(TEMPLATES) > 30
    offenders = {str(path.relative_to(SURVEYS)): found for path in TEMPLATES
                 if (found := visible_text_outside_translation(path.read_text(encoding="utf-8")))}
    assert offenders == {}


def test_survey_templates_that_translate_load_i18n() -> None:
    missing = [str(path.relative_to(SURVEYS)) for path in TEMPLATES
               if re.search(r"{%\s*(translate|blocktranslate|language|get_language_info)\b",
                            text := path.read_text(encoding="utf-8"))
               and not re.search(r"{%\s*load\s[^%]*\bi18n\b", text)]
    assert missing == []


# ---------------------------------------------------------------------------------------------------
# Python code

# Modules whose German literals are DATA, not interface text: the item bank's question wording in German
# and English, the official offence names and column names of the BKA's PKS tables, the invented register
# of the practice project (names, streets, German column names), the header names and values of the
# municipalities' register files, and the simulated residents' free-text answers.
PYTHON_DATA_MODULES = {
    "projects/item_bank.py",
    "findings/crime.py",
    "sampling/synthetic.py",
    "sampling/register_format.py",
    "responses/simulation.py",
}
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
                 "pgettext_lazy", "npgettext", "npgettext_lazy"}
GERMAN_LETTERS = re.compile(r"[äöüÄÖÜß]")
PYTHON_FILES = sorted(path for app in APPS for path in (SURVEYS / app).rglob("*.py")
                      if "migrations" not in path.relative_to(SURVEYS).parts
                      and str(path.relative_to(SURVEYS)) not in PYTHON_DATA_MODULES)


def german_literals_outside_gettext(source: str) -> list[str]:
    """String literals with umlauts or ß that are neither a docstring nor inside a gettext call, as
    "line: text" (comments are not literals; an f-string's literal parts count)."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allowed.add(id(body[0].value))
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in GETTEXT_CALLS:
                allowed |= {id(inner) for inner in ast.walk(node)}
    return [f"{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in allowed
            and GERMAN_LETTERS.search(node.value)]


def test_the_python_check_sees_german_literals_outside_gettext() -> None:
    source = '''"""Modul für Übersichten."""
from django.utils.translation import gettext as _, pgettext_lazy
LABEL = "Gemeinde"  # a German word without umlauts is not seen: read the code, too
TITLE = "Übersicht"
MESSAGE = _("Overview of %(name)s") % {"name": "Größe"}
CONTEXT = pgettext_lazy("Übersicht", "overview")
def f(x: str) -> str:
    """Gibt zurück, was zählt."""
    return f"Anteil {x} für alle"  # für
'''
    assert german_literals_outside_gettext(source) == ["4: 'Übersicht'", "5: 'Größe'", "9: ' für alle'"]


def test_survey_python_code_has_no_german_literal_outside_gettext() -> None:
    """What a person reads in the wing's Python code goes through gettext with an English msgid; German
    stays only in docstrings, comments and the data modules (PYTHON_DATA_MODULES)."""
    assert len(PYTHON_FILES) > 40
    offenders = {str(path.relative_to(SURVEYS)): found for path in PYTHON_FILES
                 if (found := german_literals_outside_gettext(path.read_text(encoding="utf-8")))}
    assert offenders == {}
