from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = (
        "Close a person's account for good: deactivated, name, e-mail address and username replaced by a "
        "pseudonym, password, second factors, tokens and roles removed. Accounts are never deleted, because "
        "the audit trail refers to them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no user %(username)r.") % {"username": options["username"]})
        if not options["yes"]:
            raise CommandError(_("This cannot be undone. Repeat with --yes to pseudonymise %(username)s.")
                               % {"username": user.username})
        try:
            # The operator acts as "system" in the audit trail; the shell has no platform account.
            user = services.pseudonymise_user(actor=None, user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(_("Account %(number)s is now %(username)s; nothing in it names the person any more.")
                          % {"number": user.pk, "username": user.username})
