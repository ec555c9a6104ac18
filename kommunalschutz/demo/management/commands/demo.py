from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.demo.loader import DemoRefused, load_demo
from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = "Load deterministic demo organisations and one user per role, and print their logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force-demo", action="store_true",
                            help="Load demo data even with DEBUG off (never on a production system).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = load_demo(force=options["force_demo"])
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Demo logins (password for all: %(password)s)") % {"password": logins[0]["password"]})
        width = max(len(login["username"]) for login in logins)
        for login in logins:
            line = f"  {login['username']:<{width}}  {login['role']:<22} " + _("API token: %(token)s") % {
                "token": login["api_token"]}
            if login["totp_secret"]:
                line += "  " + _("TOTP secret: %(secret)s") % {"secret": login["totp_secret"]}
            self.stdout.write(line)
        self.stdout.write(_("Second factor: enter the code from an authenticator app with the TOTP secret, or "
                            "print it with `kommunalschutz totp-code USERNAME`."))
        from kommunalschutz.demo.protection_plan import DEMO_PASSPHRASE, DEMO_RECEIPT

        self.stdout.write(_("Anonymous demo report (Anonym melden → Meldung nachverfolgen): receipt %(receipt)s, "
                            "passphrase “%(passphrase)s”.") % {"receipt": DEMO_RECEIPT, "passphrase": DEMO_PASSPHRASE})
