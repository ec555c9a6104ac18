"""``kommunalschutz verify-audit``: walk the audit trail's hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kommunalschutz.foundation.core import chain
from kommunalschutz.foundation.core.verification import verify_audit_trail


class Command(BaseCommand):
    help = ("Check the audit trail's hash chain; exits non-zero and names the first broken row if anything "
            "was changed, removed or inserted out of order. The result is stored for the audit trail page.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_audit_trail(actor=None)
        if result.sealed:
            self.stdout.write(f"Sealed {result.sealed} row(s) that were still waiting for their seal.")
        if result.late:
            self.stderr.write(f"WARNING: {result.late} of them had waited longer than {chain.GRACE} (the sealer "
                              "after their commit did not run: a crash or a lost database connection).")
        if not result.intact:
            where = (f"row id {result.broken_id} (chain position {result.broken_seq}, "
                     f"recorded {result.broken_at:%Y-%m-%d %H:%M:%S %Z})" if result.broken_id is not None
                     else "the end of the chain")
            raise CommandError(f"Audit trail BROKEN at {where}: {result.problem}")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {result.checked} row(s) checked."))
