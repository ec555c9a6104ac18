from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove a user's second factor (lost phone); they set up a new one at their next login. "
        "For when no other administrator can do it in the web interface."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        # The operator acts as "system" in the audit trail; the shell has no platform account.
        removed = services.reset_second_factor(actor=None, user=user)
        self.stdout.write(f"Removed {removed} second factor(s) of {user.username}; "
                          "they set up a new one at their next login.")
