"""The case number's year is the local year of the report (TIME_ZONE), not the UTC year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kommunalschutz.protection.intake import reporting


def test_the_case_number_carries_the_local_year(world: Any, report_data: dict[str, Any]) -> None:
    # 00:30 on 1 January in Saxony is still 31 December in UTC.
    new_year = dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    case = reporting.create_case(actor=world.pirna_official, data=report_data, intake="self",
                                 reported_at=new_year)
    assert case.reference.startswith("2027-")
