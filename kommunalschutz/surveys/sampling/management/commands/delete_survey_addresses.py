"""`kommunalschutz delete-survey-addresses [--dry-run]`: clear the addresses of samples whose field period ended.

The nightly task does the same; operators run it by hand to check (``--dry-run``) or catch up.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = "Delete names, addresses and access codes of survey samples whose field period has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only list the samples that would be cleared")

    def handle(self, *args: Any, **options: Any) -> None:
        from kommunalschutz.surveys.sampling.minimisation import delete_due_addresses
        from kommunalschutz.surveys.sampling.models import Sample

        if options["dry_run"]:
            due = Sample.objects.filter(addresses_deleted_at__isnull=True,
                                        project__field_end__lt=timezone.localdate())
            for sample in due.select_related("project"):
                self.stdout.write(_("%(project)s (field period ended %(end)s)")
                                  % {"project": sample.project, "end": f"{sample.project.field_end:%d.%m.%Y}"})
            self.stdout.write(_("%(count)s sample(s) would be cleared (dry run).") % {"count": due.count()})
            return
        count = delete_due_addresses()
        self.stdout.write(self.style.SUCCESS(_("Addresses of %(count)s sample(s) deleted.") % {"count": count}))
