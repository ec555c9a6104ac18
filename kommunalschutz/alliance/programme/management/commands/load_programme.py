"""`kommunalschutz load-programme`: create or update the alliance programme from its data file."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kommunalschutz.alliance.programme import loading


class Command(BaseCommand):
    help = (
        "Create or update the alliance programme (name, state, start date, source) from "
        "alliance/data/programme.json or the given file, and link the coordination office organisation "
        "if the programme has none yet. Idempotent: unchanged data changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", default=None, help="a programme JSON file instead of the shipped one")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            programme = loading.load_programme(actor=None, path=options["path"])
        except ValidationError as exc:
            raise CommandError("The programme was not loaded: " + " ".join(exc.messages)) from exc
        office = programme.coordination_office.name if programme.coordination_office else "none yet"
        self.stdout.write(self.style.SUCCESS(
            f"Programme {programme.short_name or programme.code}: {programme.name}, since "
            f"{programme.started_on:%d.%m.%Y}; coordination office: {office}."))
