"""`kommunalschutz load-partners`: the counselling partner directory from the state package."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.protection.measures import partners


class Command(commands.Command):
    help = (
        "Make the counselling partner directory hold the partners of the state package (KOMMUNALSCHUTZ_STATE) "
        "or of the given file: creates and updates them by name, removes the other partners (deactivates those "
        "a referral names). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", default=None, help="a partner JSON file instead of the state package's")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = partners.load_partners(actor=None, path=options["path"])
        except ValidationError as exc:
            raise CommandError(_("The partners were not loaded: %(errors)s")
                               % {"errors": " ".join(exc.messages)}) from exc
        self.stdout.write(self.style.SUCCESS(
            _("Counselling partners: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
              "%(removed)s removed, %(deactivated)s deactivated.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
               "removed": result.removed, "deactivated": result.deactivated}))
