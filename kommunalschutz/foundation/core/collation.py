"""German alphabetical order (DIN 5007-1) for every list of names, the same on SQLite and PostgreSQL.

DIN 5007-1 ("Wörterbuch" order): umlauts sort as their base letters (ä = a, ö = o, ü = u), ß as ss,
letters with other diacritics as their base letters, case does not matter; names that are then equal
are ordered by their exact spelling (so "Muller" stands before "Müller"). Byte order puts "Bärenstein"
after "Burkhardtsdorf" and "Ölsnitz" after "Zwönitz"; this order does not.

One sort key, three implementations that agree: ``german_sort_key`` (Python), on SQLite a function
``ks_german_key`` registered on every connection that calls it, and on PostgreSQL the same folding in
SQL (``replace`` for the letters that become two, ``translate`` for the others, ``lower``) compared
with ``COLLATE "C"``, i.e. by code point like SQLite and Python, so neither the database's locale nor
the availability of ICU changes the order (decision 0023). Nothing is stored: there is no key column
to keep up to date, and the lists are short (at most a few hundred names per page).

Use ``.order_by(*german("name"))`` or ``.order_by(*german("last_name", "first_name"), "username")``; for a
list in Python ``sorted(items, key=lambda x: german_sort_key(x.name))``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import CharField, Func
from django.db.models.expressions import Combinable

SQLITE_FUNCTION = "ks_german_key"

# letters that fold to two letters (replace), then those that fold to one (translate)
_EXPANSIONS: dict[str, str] = {"ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "TH",
                               "þ": "th"}
_SINGLE_EXTRA: dict[str, str] = {
    "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Ħ": "H", "ħ": "h",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i", "Ŀ": "L", "ŀ": "l", "Ŧ": "T", "ŧ": "t", "Ð": "D", "ð": "d",
}


def _single_letter_folds() -> dict[str, str]:
    """Every Latin letter with diacritics of Latin-1 and Latin Extended-A/B (U+00C0-U+024F) and Latin
    Extended Additional (U+1E00-U+1EFF) whose canonical decomposition starts with an ASCII letter."""
    folds: dict[str, str] = {}
    for code in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        if char in _EXPANSIONS:
            continue
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            folds[char] = base
    folds.update(_SINGLE_EXTRA)
    return folds


_SINGLE: dict[str, str] = _single_letter_folds()
_TABLE = str.maketrans({**_SINGLE, **_EXPANSIONS})


def german_sort_key(text: str | None) -> str:
    """The DIN 5007-1 sort key of ``text``: diacritics removed, ß as ss, lower case."""
    if text is None:
        return ""
    return text.translate(_TABLE).lower()


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class GermanSortKey(Func):
    """``german_sort_key`` of a text column, computed by the database (see the module docstring)."""

    output_field = CharField()
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, template="%(function)s(%(expressions)s)",
                           **extra_context)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "COALESCE(%(expressions)s, '')"
        for source, target in _EXPANSIONS.items():
            template = f"replace({template}, {_sql_literal(source)}, {_sql_literal(target)})"
        sources, targets = "".join(_SINGLE), "".join(_SINGLE.values())
        template = f'lower(translate({template}, {_sql_literal(sources)}, {_sql_literal(targets)})) COLLATE "C"'
        return self.as_sql(compiler, connection, template=template, **extra_context)  # no "%" in the literals


class ExactSpelling(Func):
    """A text column compared by code point (SQLite's default; ``COLLATE "C"`` on PostgreSQL): the
    tie-break between names with equal keys, the same on both databases."""

    output_field = CharField()
    arity = 1
    template = "%(expressions)s"

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template='%(expressions)s COLLATE "C"', **extra_context)


def german(*fields: str) -> list[Combinable]:
    """Order expressions for ``order_by``: the DIN 5007-1 keys of ``fields`` in turn, then the fields
    themselves by exact spelling (names equal but for umlauts or case keep a fixed order)."""
    return [*(GermanSortKey(field) for field in fields), *(ExactSpelling(field) for field in fields)]


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the sort key function on every new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, german_sort_key, deterministic=True)
