"""Background work of the sampling app: deleting the sample's addresses after the field period."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="2", minute="40"))
def delete_due_addresses() -> int:
    """Every night: clear names, addresses and access codes of samples whose field period has ended."""
    from kommunalschutz.surveys.sampling import minimisation

    return minimisation.delete_due_addresses()
