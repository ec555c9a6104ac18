"""`kommunalschutz load-programme`: create or update the alliance programme from its data file."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.alliance.programme import loading
from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = (
        "Create or update the alliance programme (name, state, start date, source) from "
        "the state package's programme file (KOMMUNALSCHUTZ_STATE) or the given file, and link the "
        "coordination office organisation "
        "if the programme has none yet. Idempotent: unchanged data changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", default=None, help="a programme JSON file instead of the shipped one")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            programme = loading.load_programme(actor=None, path=options["path"])
        except ValidationError as exc:
            raise CommandError(_("The programme was not loaded: %(errors)s")
                               % {"errors": " ".join(exc.messages)}) from exc
        office = programme.coordination_office.name if programme.coordination_office else _("none yet")
        self.stdout.write(self.style.SUCCESS(
            _("Programme %(code)s: %(name)s, since %(started)s; coordination office: %(office)s.")
            % {"code": programme.short_name or programme.code, "name": programme.name,
               "started": f"{programme.started_on:%d.%m.%Y}", "office": office}))
