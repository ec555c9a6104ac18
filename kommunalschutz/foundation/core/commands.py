"""The base of the platform's management commands: they speak the site's language to the operator."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation


class Command(BaseCommand):
    """A management command whose output and errors are in the site's language (German), whatever language
    the calling thread had active (a test, a script that activated English, a shell with LANG=C).

    Messages are translated when they are made, so a CommandError raised inside reads German too.
    """

    def execute(self, *args: Any, **options: Any) -> Any:
        with translation.override(settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
