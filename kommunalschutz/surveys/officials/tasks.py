"""Background work of the officials' survey: waves on their schedule."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="6", minute="50"))
def plan_due_waves() -> int:
    """Every morning: plan the next wave once its reference period has begun (services.plan_due_waves)."""
    from kommunalschutz.surveys.officials.services import plan_due_waves as plan

    return len(plan())
