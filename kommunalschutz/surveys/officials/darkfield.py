"""The dark field: what officials experienced (the survey) beside what was reported (the police figures
and the platform's own cases) for the same reference period.

The survey estimates, for the officials of its frame, the number of incidents experienced and the number
reported to the police, and their ratio: the share reported. The dark field is the rest. The police
figures (politically motivated crime against office and mandate holders) count offences, not incidents,
against every office and mandate holder of the state, the state and federal level included, and exist per
calendar year: they are shown pro rata for the months of the reference period and are a different
population. They frame the survey's estimate; they are not its denominator. docs/surveys/officials.md
states the caveats as the page does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kommunalschutz.foundation.core.dates import add_months
from kommunalschutz.foundation.core.states import current
from kommunalschutz.protection.casestats.selectors import StatisticsFilter, count_by_month, police_figures
from kommunalschutz.surveys.officials import komo
from kommunalschutz.surveys.officials.models import Wave
from kommunalschutz.surveys.officials.results import Results, Total


@dataclass(frozen=True)
class PoliceYear:
    year: int
    count: int
    status: str
    status_label: str
    as_of: dt.date
    months: int  # months of the reference period in this year
    pro_rata: float


@dataclass(frozen=True)
class DarkField:
    start: dt.date
    end: dt.date
    experienced: Total  # incidents experienced by the frame's officials (survey, estimated)
    reported: Total  # of which reported to the police (survey, estimated)
    reported_share: Total  # reported / experienced
    dark_share: Total  # 1 - reported share
    police: list[PoliceYear]
    police_pro_rata: float | None
    platform_cases: int
    komo_reported: komo.Figure | None

    def as_dict(self, *, min_cell: int) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "experienced": self.experienced.as_dict(), "reported": self.reported.as_dict(),
            "reported_share": self.reported_share.as_dict(), "dark_share": self.dark_share.as_dict(),
            "police": [{"year": p.year, "count": p.count, "status": p.status, "as_of": p.as_of.isoformat(),
                        "months": p.months, "pro_rata": round(p.pro_rata, 1)} for p in self.police],
            "police_pro_rata": None if self.police_pro_rata is None else round(self.police_pro_rata, 1),
            "platform_cases": self.platform_cases if self.platform_cases >= min_cell or self.platform_cases == 0
            else None,
            "komo_reported_share": self.komo_reported.value if self.komo_reported else None,
        }


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def dark_field(wave: Wave, results: Results) -> DarkField:
    months = _months(wave.reference_start, wave.reference_end)
    per_year: dict[int, int] = {}
    for month in months:
        per_year[month.year] = per_year.get(month.year, 0) + 1
    figures = {figure.year: figure for figure in police_figures(current().police_region)
               if figure.offence_group == "all"}
    police = [PoliceYear(year, figures[year].count, figures[year].status, str(figures[year].get_status_display()),
                         figures[year].as_of, count, figures[year].count * count / 12)
              for year, count in sorted(per_year.items()) if year in figures]
    complete = len(police) == len(per_year)
    counts = count_by_month(StatisticsFilter(start=months[0], end=months[-1]))
    ratio = results.reported_ratio
    dark = Total(None, None, None, ratio.n) if ratio.estimate is None else Total(
        1 - ratio.estimate, 1 - (ratio.upper or 0), 1 - (ratio.lower or 0), ratio.n)
    return DarkField(
        start=wave.reference_start, end=wave.reference_end, experienced=results.incidents_total,
        reported=results.reported_total, reported_share=ratio, dark_share=dark, police=police,
        police_pro_rata=sum(p.pro_rata for p in police) if complete and police else None,
        platform_cases=sum(counts.values()),
        komo_reported=next(iter(reversed(komo.national("angezeigt_vorfaelle_pct"))), None),
    )
