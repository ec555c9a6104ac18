"""The tables of the case statistics, with small-cell suppression applied (suppression.py).

The page, the CSV/XLSX exports and the API all read these tables, so a suppressed cell is suppressed
everywhere in the same way: its value is never handed on (``Cell.value`` is None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kommunalschutz.foundation.core.collation import german_sort_key
from kommunalschutz.foundation.core.numbers import german_number
from kommunalschutz.protection.cases.models import (
    ACK_RELATIVE_ERROR,
    AffectedRole,
    Case,
    Channel,
    IncidentType,
    Tristate,
    type_bit,
)
from kommunalschutz.protection.casestats import selectors, suppression
from kommunalschutz.protection.casestats.selectors import StatisticsFilter

DASH = "\N{EN DASH}"
TIMES = "\N{MULTIPLICATION SIGN}"
MONTH_LABELS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")


@dataclass
class Cell:
    value: int | float | None  # None: suppressed or not applicable
    suppressed: bool = False
    display: str = ""


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]
    total: Cell | None = None


@dataclass
class Table:
    key: str
    title: str
    row_heading: str
    columns: list[tuple[str, str]]
    rows: list[Row]
    column_totals: list[Cell] | None = None
    grand_total: Cell | None = None
    additive: bool = True
    note: str = ""
    unit: str = "count"  # count | mixed
    csv_url: str = ""
    xlsx_url: str = ""

    @property
    def has_row_totals(self) -> bool:
        return any(row.total is not None for row in self.rows)

    @property
    def has_suppressed(self) -> bool:
        cells = [c for row in self.rows for c in (*row.cells, row.total) if c is not None]
        cells += list(self.column_totals or []) + ([self.grand_total] if self.grand_total else [])
        return any(c.suppressed for c in cells)


@dataclass
class Dashboard:
    filter: StatisticsFilter
    min_cell: int
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def marker(k: int) -> str:
    return f"<{k}"


def _count(value: int, hidden: bool, k: int) -> Cell:
    if hidden:
        return Cell(None, True, marker(k))
    return Cell(value, False, german_number(value))


def _number(value: float | None, hidden: bool, k: int, *, decimals: int = 1, suffix: str = "") -> Cell:
    if hidden:
        return Cell(None, True, marker(k) if not suffix else TIMES)
    if value is None:
        return Cell(None, False, DASH)
    return Cell(round(value, decimals), False, german_number(value, decimals) + suffix)


def count_table(key: str, title: str, row_heading: str, rows: Sequence[tuple[str, Any]],
                columns: Sequence[tuple[Any, Any]], matrix: list[list[int]], *, row_totals: bool = True,
                column_totals: bool = True, additive: bool = True, note: str = "", k: int,
                not_applicable: set[tuple[int, int]] | None = None) -> Table:
    masks = suppression.suppress(matrix, row_totals=row_totals and additive, column_totals=column_totals and additive,
                                 additive=additive, k=k)
    table_rows = []
    for i, (row_key, label) in enumerate(rows):
        label = str(label)
        cells = []
        for j, value in enumerate(matrix[i]):
            if not_applicable and (i, j) in not_applicable:
                cells.append(Cell(None, False, DASH))
            else:
                cells.append(_count(value, masks.cells[i][j], k))
        total = _count(sum(matrix[i]), masks.row_totals[i], k) if masks.row_totals else None
        table_rows.append(Row(row_key, label, cells, total))
    col_totals = None
    grand = None
    if masks.column_totals:
        col_totals = [_count(sum(matrix[i][j] for i in range(len(rows))), masks.column_totals[j], k)
                      for j in range(len(columns))]
        if masks.row_totals:
            grand = _count(sum(map(sum, matrix)), masks.grand_total, k)
    labelled = [(str(column_key), str(label)) for column_key, label in columns]
    return Table(key, title, row_heading, labelled, table_rows, col_totals, grand, additive, note)


def _by_field(data: selectors.Snapshot, years: list[int], field_name: str, choices: Sequence[tuple[Any, Any]],
              ) -> list[list[int]]:
    counts = selectors.count_by_field(data, field_name)
    return [[counts.get((year, value), 0) for value, _label in choices] for year in years]


def build(flt: StatisticsFilter, *, k: int | None = None) -> Dashboard:
    """Every table of the dashboard for a filter, suppressed."""
    from kommunalschutz.foundation.registry.models import District
    from kommunalschutz.protection.measures.models import MeasureKind, Partner, measure_bit, referral_bit

    k = suppression.min_cell() if k is None else k
    years = flt.years
    year_rows = [(str(y), str(y)) for y in years]
    dashboard = Dashboard(flt, k)
    tables = dashboard.tables
    data = selectors.load(flt)  # the shared reads of this build: one scan for all category tables

    # incidents per month (and per year, its row totals)
    by_month = selectors.count_by_month(data)
    in_period = set(flt.months)
    outside = {(i, m - 1) for i, y in enumerate(years) for m in range(1, 13) if (y, m) not in in_period}
    per_year = [[sum(by_month.get((y, m), 0) for m in range(1, 13))] for y in years]
    tables.append(count_table("per_year", _("Incidents per year"), _("Year"), year_rows,
                              [("incidents", _("Incidents"))], per_year, row_totals=False, k=k))
    tables.append(count_table(
        "per_month", _("Incidents per month"), _("Year"), year_rows,
        [(str(m), MONTH_LABELS[m - 1]) for m in range(1, 13)],
        [[by_month.get((y, m), 0) for m in range(1, 13)] for y in years], k=k, not_applicable=outside,
        note=_("Months outside the chosen period are marked with a dash.")))

    # incident types: one case can have several types, so the columns do not add up
    type_bits = {code: type_bit(code) for code in IncidentType.values}
    by_type = selectors.count_by_bits(data, "type_mask", type_bits)
    tables.append(count_table(
        "types", _("Incidents per year by type of incident"), _("Year"), year_rows, list(IncidentType.choices),
        [[by_type.get((y, code), 0) for code in IncidentType.values] for y in years], additive=False, k=k,
        note=_("One incident can be of several types and then counts in each of them, so the columns do not "
               "add up to the number of incidents.")))

    for key, title, field_name, choices in (
        ("channel", _("Incidents per year by channel"), "channel", Channel.choices),
        ("role", _("Incidents per year by role of the affected person"), "affected_role", AffectedRole.choices),
        ("motivation", _("Incidents per year by political motivation"), "politically_motivated", Tristate.choices),
        ("intake", _("Incidents per year by way of reporting"), "intake", Case.Intake.choices),
    ):
        tables.append(count_table(key, title, _("Year"), year_rows, list(choices),
                                  _by_field(data, years, field_name, choices), k=k))

    # districts as rows (there are more districts than years)
    by_district = selectors.count_by_field(data, "district_id")
    district_ids = sorted({d for (_y, d) in by_district if d is not None})
    names = dict(District.objects.filter(pk__in=district_ids).values_list("pk", "name"))
    district_rows = sorted(((str(pk), names.get(pk, str(pk))) for pk in district_ids),
                           key=lambda r: (german_sort_key(r[1]), r[1]))
    if any(d is None for (_y, d) in by_district):
        district_rows.append(("none", _("no district recorded")))
    matrix = [[by_district.get((y, None if key == "none" else int(key)), 0) for y in years]
              for key, _label in district_rows]
    tables.append(count_table("district", _("Incidents by district and year"), _("District"), district_rows,
                              year_rows, matrix, k=k))

    # the acute share
    acute = _by_field(data, years, "is_acute", [(True, _("acute")), (False, _("not acute"))])
    acute_table = count_table("acute", _("Acute incidents per year"), _("Year"), year_rows,
                              [("acute", _("acute")), ("not_acute", _("not acute"))], acute, k=k,
                              note=_("The share is not shown when it rests on fewer than %(k)s incidents or "
                                     "would reveal a suppressed count.") % {"k": k})
    acute_table.columns.append(("share", _("acute share")))
    for row in acute_table.rows:
        total = row.total.value if row.total is not None else None
        hidden = (row.cells[0].suppressed or row.total is None or row.total.suppressed
                  or suppression.rate_suppressed(int(total or 0), k))
        share = (100.0 * float(row.cells[0].value or 0) / float(total)) if (total and not hidden) else None
        row.cells.append(_number(share, hidden, k, suffix=" %"))
    if acute_table.column_totals is not None:
        acute_table.column_totals.append(Cell(None, False, ""))
    acute_table.unit = "mixed"
    tables.append(acute_table)

    # time to acknowledgement
    ack = selectors.acknowledgement_times(data)
    ack_columns = [("acute_n", _("acute: acknowledged cases")), ("acute_median", _("acute: median (hours)")),
                   ("acute_p90", _("acute: 90th percentile (hours)")),
                   ("other_n", _("others: acknowledged cases")), ("other_median", _("others: median (hours)")),
                   ("other_p90", _("others: 90th percentile (hours)"))]
    ack_rows = []
    for year in years:
        cells: list[Cell] = []
        for acute_flag in (True, False):
            figure = ack.get((year, acute_flag))
            n = figure.n if figure else 0
            cells.append(_count(n, suppression.is_small(n, k), k))
            hidden = suppression.rate_suppressed(n, k) and n > 0
            for minutes in ((figure.median_minutes, figure.p90_minutes) if figure else (None, None)):
                cells.append(_number(minutes / 60 if minutes is not None else None, hidden, k))
        ack_rows.append(Row(str(year), str(year), cells))
    tables.append(Table("acknowledgement", _("Time from report to acknowledgement"), _("Year"), ack_columns,
                        ack_rows, additive=False, unit="mixed",
                        note=_("Median and 90th percentile in hours, for acute and other incidents; not shown "
                               "when fewer than %(k)s cases were acknowledged.") % {"k": k}
                        + (" " + _("Over this many incidents the figures are read from a histogram of the "
                                   "times and may differ from the exact value by up to ±%(error)s %%.")
                           % {"error": german_number(ACK_RELATIVE_ERROR * 100, 1)}
                           if data.acknowledgement_from_histogram else "")))

    measure_bits = {code: measure_bit(code) for code in MeasureKind.values}
    by_measure = selectors.count_by_bits(data, "measure_mask", measure_bits)
    tables.append(count_table(
        "measures", _("Incidents per year with a measure of each kind"), _("Year"), year_rows,
        list(MeasureKind.choices), [[by_measure.get((y, c), 0) for c in MeasureKind.values] for y in years],
        additive=False, k=k, note=_("A case with several measures counts once for each kind; cancelled "
                                    "measures are not counted.")))
    referral_bits = {code: referral_bit(code) for code in Partner.Category.values}
    by_referral = selectors.count_by_bits(data, "referral_mask", referral_bits)
    tables.append(count_table(
        "referrals", _("Incidents per year with a referral to each kind of counselling partner"), _("Year"),
        year_rows, list(Partner.Category.choices),
        [[by_referral.get((y, c), 0) for c in Partner.Category.values] for y in years], additive=False, k=k,
        note=_("A case referred to several partners counts once for each kind of partner.")))
    return dashboard


def flat_rows(table: Table) -> list[list[Any]]:
    """The table in long form for the exports: row, column, value (empty when suppressed), flag."""
    yes = _("yes")
    lines: list[list[Any]] = []
    total_label = _("Total")

    def add(row_label: str, column_label: str, cell: Cell) -> None:
        if cell.value is None and not cell.suppressed and cell.display in ("", DASH):
            return
        lines.append([row_label, column_label, cell.value if not cell.suppressed else None,
                      yes if cell.suppressed else ""])

    for row in table.rows:
        for (_key, label), cell in zip(table.columns, row.cells, strict=True):
            add(row.label, label, cell)
        if row.total is not None:
            add(row.label, total_label, row.total)
    if table.column_totals is not None:
        for (_key, label), cell in zip(table.columns, table.column_totals, strict=True):
            add(total_label, label, cell)
        if table.grand_total is not None:
            add(total_label, total_label, table.grand_total)
    return lines
