"""Scheduled work of the situation report: the quarterly draft for the coordination office.

It runs every morning and creates the draft of the last completed quarter if it does not exist yet, so a
worker that was down on the first day of a quarter still makes it the next morning (idempotent).
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="5", minute="20"))
def quarterly_situation_draft() -> int | None:
    from kommunalschutz.situation.services import create_quarterly_draft

    report = create_quarterly_draft()
    return None if report is None else report.pk
