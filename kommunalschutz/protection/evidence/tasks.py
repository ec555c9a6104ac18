"""Background work of the evidence app: removing store files that no row refers to, and evidence packages
whose time to wait for their download is over."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="40"))
def remove_orphan_evidence_files() -> int:
    """Every night: remove encrypted files older than six hours that no evidence row refers to (left when
    an enclosing transaction was rolled back after the file had been written)."""
    from kommunalschutz.protection.evidence.store import remove_orphan_files

    return remove_orphan_files()


@db_periodic_task(crontab(minute="25"))
def remove_expired_evidence_packages() -> int:
    """Every hour: remove the encrypted evidence packages made more than PACKAGE_RETENTION ago."""
    from kommunalschutz.protection.evidence.store import remove_expired_packages

    return remove_expired_packages()
