"""Small-cell suppression: the primary rule and complementary suppression, by example and by property."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django import Settings

from kommunalschutz.protection.casestats import suppression

K = 5


def test_small_counts_are_suppressed_zero_and_large_counts_are_not() -> None:
    masks = suppression.suppress([[0, 1, 4, 5, 30]], row_totals=False, column_totals=False, k=K)
    assert masks.cells == [[False, True, True, False, False]]


def test_a_single_small_cell_in_a_line_with_a_shown_total_takes_the_next_smallest_with_it() -> None:
    # row total 3 + 7 + 20 = 30 is shown; 3 alone would be 30 - 7 - 20
    masks = suppression.suppress([[3, 7, 20]], row_totals=True, column_totals=False, k=K)
    assert masks.cells == [[True, True, False]]
    assert masks.row_totals == [False]


def test_complementary_suppression_spreads_until_no_line_has_one_unknown() -> None:
    matrix = [[2, 10, 10], [10, 10, 10], [10, 10, 10]]
    masks = suppression.suppress(matrix, k=K)
    assert masks.cells[0][0]
    assert sum(masks.cells[0]) >= 2  # its row
    assert sum(row[0] for row in masks.cells) >= 2  # its column
    _assert_no_line_with_one_unknown(matrix, masks)


def test_small_totals_are_suppressed_too() -> None:
    masks = suppression.suppress([[1, 2], [0, 0]], k=K)
    assert masks.row_totals == [True, False]  # 3
    assert masks.column_totals == [True, True]  # 1 and 2
    assert masks.grand_total  # 3


def test_non_additive_tables_get_the_primary_rule_only() -> None:
    masks = suppression.suppress([[3, 7, 20]], row_totals=True, column_totals=False, additive=False, k=K)
    assert masks.cells == [[True, False, False]]


def test_the_threshold_comes_from_the_settings(settings: Settings) -> None:
    settings.STATISTICS_MIN_CELL = 10
    assert suppression.is_small(9) and not suppression.is_small(10) and not suppression.is_small(0)
    assert suppression.rate_suppressed(9) and not suppression.rate_suppressed(10)


def _values(matrix: list[list[int]]) -> tuple[list[int], list[int], int]:
    rows = [sum(line) for line in matrix]
    columns = [sum(line[j] for line in matrix) for j in range(len(matrix[0]))]
    return rows, columns, sum(rows)


def _assert_no_line_with_one_unknown(matrix: list[list[int]], masks: suppression.Suppressed) -> None:
    n, m = len(matrix), len(matrix[0])
    for i in range(n):
        unknown = sum(masks.cells[i]) + int(masks.row_totals[i])
        assert unknown != 1, f"row {i} has a single unknown"
    for j in range(m):
        unknown = sum(masks.cells[i][j] for i in range(n)) + int(masks.column_totals[j])
        assert unknown != 1, f"column {j} has a single unknown"
    assert sum(masks.row_totals) + int(masks.grand_total) != 1
    assert sum(masks.column_totals) + int(masks.grand_total) != 1


counts = st.one_of(st.integers(0, 6), st.integers(0, 60))
matrices = st.integers(1, 6).flatmap(lambda m: st.lists(st.lists(counts, min_size=m, max_size=m), min_size=1,
                                                          max_size=7))


@settings(max_examples=400, deadline=None)
@given(matrices)
def test_property_no_shown_cell_is_small(matrix: list[list[int]]) -> None:
    masks = suppression.suppress(matrix, k=K)
    rows, columns, grand = _values(matrix)
    for i, line in enumerate(matrix):
        for j, value in enumerate(line):
            if not masks.cells[i][j]:
                assert not 1 <= value < K
        if not masks.row_totals[i]:
            assert not 1 <= rows[i] < K
    for j, value in enumerate(columns):
        if not masks.column_totals[j]:
            assert not 1 <= value < K
    if not masks.grand_total:
        assert not 1 <= grand < K


@settings(max_examples=400, deadline=None)
@given(matrices)
def test_property_no_suppressed_value_is_total_minus_shown_cells(matrix: list[list[int]]) -> None:
    masks = suppression.suppress(matrix, k=K)
    _assert_no_line_with_one_unknown(matrix, masks)
    # and so: for every shown total, subtracting the shown cells never isolates exactly one suppressed cell
    for i, line in enumerate(matrix):
        if masks.row_totals[i]:
            continue
        hidden = [j for j in range(len(line)) if masks.cells[i][j]]
        assert len(hidden) != 1


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=12))
def test_property_a_single_column_with_its_total(column: list[int]) -> None:
    matrix = [[v] for v in column]
    masks = suppression.suppress(matrix, row_totals=False, column_totals=True, k=K)
    hidden = [i for i in range(len(column)) if masks.cells[i][0]]
    assert all(not 1 <= column[i] < K for i in range(len(column)) if i not in hidden)
    if not masks.column_totals[0]:
        assert len(hidden) != 1
