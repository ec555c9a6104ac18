"""Background work of the alliance app: the daily reminders of agreed review dates."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="6", minute="30"))
def send_agreement_review_reminders() -> int:
    """Every morning: remind the partners of reviews due within AGREEMENT_REVIEW_REMINDER_DAYS (once each)."""
    from kommunalschutz.alliance.programme.reminders import send_review_reminders

    return send_review_reminders()
