"""`kommunalschutz apply-retention [--dry-run]`: delete closed cases past CASE_RETENTION_MONTHS now.

The nightly task does the same; operators run it by hand to check (``--dry-run``) or catch up.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = "Delete protection cases closed longer ago than CASE_RETENTION_MONTHS (the statistics stay)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count the cases that would be deleted")

    def handle(self, *args: Any, **options: Any) -> None:
        from kommunalschutz.protection.cases.retention import apply_retention

        months = settings.CASE_RETENTION_MONTHS
        if options["dry_run"]:
            count = apply_retention(dry_run=True)
            self.stdout.write(_("%(count)s case(s) closed more than %(months)s months ago would be deleted (dry "
                                "run).") % {"count": count, "months": months})
            return
        count = apply_retention()
        self.stdout.write(self.style.SUCCESS(_("%(count)s case(s) closed more than %(months)s months ago deleted.")
                                             % {"count": count, "months": months}))
