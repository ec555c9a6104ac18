"""The base of the platform's management commands: they speak the site's language to the operator."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation


class Command(BaseCommand):
    """A management command whose output and errors are in the site's language (German), whatever language
    the calling thread had active (a test, a script that activated English, a shell with LANG=C).

    Messages are translated when they are made, so a CommandError raised inside reads German too.
    """

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Help texts may be lazy translations: made German here, since argparse needs plain strings.
        with translation.override(settings.LANGUAGE_CODE):
            self.help = str(self.help)
            return super().create_parser(prog_name, subcommand, **kwargs)

    def execute(self, *args: Any, **options: Any) -> Any:
        with translation.override(settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
