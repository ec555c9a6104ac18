"""Schemas of the officials' survey API: aggregated, suppressed results of closed waves."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class WaveOut(Schema):
    id: int
    title: str
    reference_start: dt.date
    reference_end: dt.date
    respondents: int
    is_synthetic: bool


class ShareOut(Schema):
    key: str
    label: str
    n: int | None  # respondents in the group; None when suppressed
    estimate: float | None  # 0..1; None when the group has fewer than STATISTICS_MIN_CELL respondents
    lower: float | None
    upper: float | None
    suppressed: bool


class IntervalOut(Schema):
    estimate: float | None
    lower: float | None
    upper: float | None


class PoliceYearOut(Schema):
    year: int
    count: int
    status: str
    as_of: dt.date
    months: int
    pro_rata: float


class DarkFieldOut(Schema):
    start: dt.date
    end: dt.date
    experienced: IntervalOut
    reported: IntervalOut
    reported_share: IntervalOut
    dark_share: IntervalOut
    police: list[PoliceYearOut]
    police_pro_rata: float | None
    platform_cases: int | None  # None when 1 to STATISTICS_MIN_CELL - 1 (suppressed)
    komo_reported_share: float | None


class KomoOut(Schema):
    wave: str | None
    same_period: bool
    share_percent: float | None


class ResultsOut(Schema):
    wave: WaveOut
    min_cell: int
    invited: int
    overall: ShareOut
    komo_group: ShareOut
    any_form: ShareOut
    breakdowns: dict[str, list[ShareOut]]
    forms: list[ShareOut]
    reported_any: ShareOut
    consequences: list[ShareOut]
    komo: KomoOut
    dark_field: DarkFieldOut
