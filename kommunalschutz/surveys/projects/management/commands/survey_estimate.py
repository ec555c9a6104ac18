"""`kommunalschutz survey-estimate DATA.csv --var COL ... --out ESTIMATES.csv` (see docs/surveys.md)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.surveys.projects import estimation


def main(argv: list[str] | None = None) -> int:
    """The command without Django's option parsing: returns the exit code."""
    return estimation.main(argv)


class Command(commands.Command):
    help = "Design-based survey estimates (means, totals, proportions, quantiles) that agree with R's survey package."

    def add_arguments(self, parser: CommandParser) -> None:
        estimation.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        names = (
            "data",
            "var",
            "factor",
            "by",
            "quantiles",
            "strata",
            "cluster",
            "weight",
            "fpc",
            "lonely_psu",
            "adjust_domain_lonely",
            "rake",
            "rake_maxit",
            "rake_epsilon",
            "out",
        )
        ns = argparse.Namespace(**{k: options[k] for k in names})
        messages: list[str] = []
        code = estimation.execute(ns, messages.append)
        if code:
            raise CommandError("\n".join(messages), returncode=code)
        self.stdout.write(_("%(file)s written.") % {"file": ns.out})
