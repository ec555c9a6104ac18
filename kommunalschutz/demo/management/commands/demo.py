from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kommunalschutz.demo.loader import DemoRefused, load_demo


class Command(BaseCommand):
    help = "Load deterministic demo organisations and one user per role, and print their logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force-demo", action="store_true",
                            help="Load demo data even with DEBUG off (never on a production system).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = load_demo(force=options["force_demo"])
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo logins (password for all: {logins[0]['password']})")
        width = max(len(login["username"]) for login in logins)
        for login in logins:
            line = f"  {login['username']:<{width}}  {login['role']:<22} API token: {login['api_token']}"
            if login["totp_secret"]:
                line += f"  TOTP secret: {login['totp_secret']}"
            self.stdout.write(line)
        self.stdout.write("Second factor: enter the code from an authenticator app with the TOTP secret, "
                          "or print it with `kommunalschutz totp-code USERNAME`.")
        from kommunalschutz.demo.protection_plan import DEMO_PASSPHRASE, DEMO_RECEIPT

        self.stdout.write(f"Anonymous demo report (Anonym melden → Meldung nachverfolgen): receipt {DEMO_RECEIPT}, "
                          f"passphrase “{DEMO_PASSPHRASE}”.")
