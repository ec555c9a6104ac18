from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django_otp.oath import TOTP

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.accounts.services import confirmed_totp_device
from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = (
        "Print the current second-factor code of a user's authenticator (development and demo only: "
        "refused unless DEBUG is on)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        # Whoever can run this can pass anyone's second factor; on a real installation that
        # would make the factor worthless against an operator account or a stolen shell.
        if not settings.DEBUG:
            raise CommandError(_("totp-code only works with DEBUG on (development and demo installations)."))
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no user %(username)r.") % {"username": options["username"]})
        device = confirmed_totp_device(user)
        if device is None:
            raise CommandError(_("%(username)s has no confirmed authenticator.") % {"username": user.username})
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        self.stdout.write(f"{totp.token():0{device.digits}d}")
