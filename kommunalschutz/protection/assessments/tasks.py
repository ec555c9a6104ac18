"""Background work of the assessments app: the daily reminders of re-assessment dates."""

from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="6", minute="45"))
def send_reassessment_reminders(today: dt.date | None = None) -> int:
    """Every morning: remind the case teams of re-assessments due within three days or overdue (once each)."""
    from kommunalschutz.protection.assessments import services

    return services.send_reassessment_reminders(today)
