from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = "Create an API token for a user and print it. The token is shown only this once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument("--days", type=int, default=None,
                            help="Validity in days (default: API_TOKEN_DEFAULT_DAYS).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no user %(username)r.") % {"username": options["username"]})
        days = options["days"] if options["days"] is not None else settings.API_TOKEN_DEFAULT_DAYS
        try:
            # The operator acts as "system" in the audit trail; the shell has no platform account.
            token = services.create_token(actor=None, user=user, name=options["name"], days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # The token alone on stdout, so scripts can capture it; the explanation goes to stderr.
        self.stderr.write(_("API token for %(username)s, valid for %(days)s days (shown only now):")
                          % {"username": user.username, "days": days})
        self.stdout.write(token)
