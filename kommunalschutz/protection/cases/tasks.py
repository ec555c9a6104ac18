"""Background work of the cases app: owed acute alarms (every minute), overdue acknowledgements (every 10
minutes) and retention (daily)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/10"))
def notify_overdue_acknowledgements() -> int:
    """Tell coordinators and the responsible police contacts about newly overdue acknowledgements (once each)."""
    from kommunalschutz.protection.cases.overdue import notify_overdue_acknowledgements as notify_overdue

    return notify_overdue()


@db_periodic_task(crontab(minute="*"))
def send_pending_alarms() -> int:
    """Every minute: acute alarm e-mails owed by a process that died between its commit and the sending."""
    from kommunalschutz.protection.cases.routing import send_pending_alarms as send

    return send()


@db_periodic_task(crontab(hour="3", minute="15"))
def apply_retention() -> int:
    """Every night: delete the cases closed more than CASE_RETENTION_MONTHS ago (statistics stay)."""
    from kommunalschutz.protection.cases import retention

    return retention.apply_retention()
