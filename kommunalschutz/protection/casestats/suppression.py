"""Small-cell suppression of the case statistics (issue 4, item 8): one module for page, exports and API.

Everyone who sees the statistics is outside most case teams, so suppression always applies:

* primary: every count with 1 <= count < STATISTICS_MIN_CELL is suppressed (never rounded);
* zero stays zero: "no case" is no information about a person, and hiding zeros would hide the
  difference between "nothing happened" and "few cases";
* complementary: a table with shown totals is a set of linear equations (total = sum of its cells).
  If an equation has exactly one unknown (suppressed) entry, that entry could be recovered by
  subtraction, so the next smallest shown cell of that equation is suppressed too (a positive one
  first, a zero only if nothing else is left, the total itself last); this repeats until no equation
  has exactly one unknown;
* shares and percentiles computed from fewer than STATISTICS_MIN_CELL cases are suppressed too
  (see ``rate_suppressed``).

Tables whose columns are not additive (one case can have several incident types or measures) have
no such equations: only primary suppression applies to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings


def min_cell() -> int:
    return int(settings.STATISTICS_MIN_CELL)


def is_small(value: int, k: int | None = None) -> bool:
    """The primary rule: a count of at least 1 and below the threshold."""
    threshold = min_cell() if k is None else k
    return 1 <= value < threshold


def rate_suppressed(denominator: int, k: int | None = None) -> bool:
    """A share or percentile built on fewer than the threshold of cases is not shown."""
    threshold = min_cell() if k is None else k
    return denominator < threshold


@dataclass
class Suppressed:
    """The suppression masks of one count table (True = suppressed)."""

    cells: list[list[bool]]
    row_totals: list[bool]
    column_totals: list[bool]
    grand_total: bool


def _equations(rows: int, columns: int, *, row_totals: bool, column_totals: bool
               ) -> list[tuple[tuple[str, int, int], list[tuple[str, int, int]]]]:
    """(total entry, part entries) of every line of the table whose total is part of the table."""
    equations: list[tuple[tuple[str, int, int], list[tuple[str, int, int]]]] = []
    if row_totals:
        for i in range(rows):
            equations.append((("row", i, 0), [("cell", i, j) for j in range(columns)]))
    if column_totals:
        for j in range(columns):
            equations.append((("column", 0, j), [("cell", i, j) for i in range(rows)]))
    if row_totals and column_totals:
        equations.append((("grand", 0, 0), [("row", i, 0) for i in range(rows)]))
        equations.append((("grand", 0, 0), [("column", 0, j) for j in range(columns)]))
    return equations


def suppress(matrix: Sequence[Sequence[int]], *, row_totals: bool = True, column_totals: bool = True,
             additive: bool = True, k: int | None = None) -> Suppressed:
    """Primary and (for additive tables) complementary suppression of a count matrix and its totals.

    ``row_totals``/``column_totals`` say which totals the table shows; they are computed here as
    the sums of the cells. For a non-additive table pass ``additive=False``: its totals (if any) are
    suppressed by the primary rule only.
    """
    threshold = min_cell() if k is None else k
    rows = len(matrix)
    columns = len(matrix[0]) if rows else 0
    values: dict[tuple[str, int, int], int] = {}
    for i, line in enumerate(matrix):
        for j, value in enumerate(line):
            values[("cell", i, j)] = int(value)
    if row_totals:
        for i, line in enumerate(matrix):
            values[("row", i, 0)] = sum(int(v) for v in line)
    if column_totals:
        for j in range(columns):
            values[("column", 0, j)] = sum(int(matrix[i][j]) for i in range(rows))
    if row_totals and column_totals:
        values[("grand", 0, 0)] = sum(int(v) for line in matrix for v in line)
    hidden = {entry for entry, value in values.items() if 1 <= value < threshold}
    if additive:
        equations = _equations(rows, columns, row_totals=row_totals, column_totals=column_totals)
        changed = True
        while changed:
            changed = False
            for total, parts in equations:
                unknown = [entry for entry in (total, *parts) if entry in hidden]
                if len(unknown) != 1:
                    continue
                candidates = [entry for entry in parts if entry not in hidden]
                if candidates:
                    # the smallest positive shown cell; a zero only when nothing else is left
                    choice = min(candidates, key=lambda entry: (values[entry] == 0, values[entry], entry))
                else:
                    choice = total
                if choice in hidden:  # pragma: no cover - the total was the unknown and there are no parts
                    continue
                hidden.add(choice)
                changed = True
    return Suppressed(
        cells=[[("cell", i, j) in hidden for j in range(columns)] for i in range(rows)],
        row_totals=[("row", i, 0) in hidden for i in range(rows)] if row_totals else [],
        column_totals=[("column", 0, j) in hidden for j in range(columns)] if column_totals else [],
        grand_total=("grand", 0, 0) in hidden,
    )
