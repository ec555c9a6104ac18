from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = (
        "Remove a user's second factor (lost phone); they set up a new one at their next login. "
        "For when no other administrator can do it in the web interface."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no user %(username)r.") % {"username": options["username"]})
        # The operator acts as "system" in the audit trail; the shell has no platform account.
        removed = services.reset_second_factor(actor=None, user=user)
        self.stdout.write(_("Removed %(count)s second factor(s) of %(username)s; they set up a new one at their "
                            "next login.") % {"count": removed, "username": user.username})
