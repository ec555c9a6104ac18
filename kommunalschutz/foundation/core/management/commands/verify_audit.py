"""``kommunalschutz verify-audit``: walk the audit trail's hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import chain, commands
from kommunalschutz.foundation.core.audit_display import local_time, translate_summary
from kommunalschutz.foundation.core.verification import verify_audit_trail


class Command(commands.Command):
    help = ("Check the audit trail's hash chain; exits non-zero and names the first broken row if anything "
            "was changed, removed or inserted out of order. The result is stored for the audit trail page.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_audit_trail(actor=None)
        if result.sealed:
            self.stdout.write(_("Sealed %(count)s row(s) that were still waiting for their seal.")
                              % {"count": result.sealed})
        if result.late:
            self.stderr.write(_("WARNING: %(count)s of them had waited longer than %(grace)s (the sealer after their "
                                "commit did not run: a crash or a lost database connection).")
                              % {"count": result.late, "grace": chain.GRACE})
        if not result.intact:
            where = (_("row id %(row)s (chain position %(position)s, recorded %(when)s)")
                     % {"row": result.broken_id, "position": result.broken_seq,
                        "when": local_time(result.broken_at, seconds=True)} if result.broken_id is not None
                     else _("the end of the chain"))
            raise CommandError(_("Audit trail BROKEN at %(where)s: %(problem)s")
                               % {"where": where, "problem": translate_summary(result.problem) or result.problem})
        self.stdout.write(self.style.SUCCESS(_("Audit trail intact: %(count)s row(s) checked.")
                                             % {"count": result.checked}))
