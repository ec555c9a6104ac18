from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet

from kommunalschutz.foundation.core import commands


class Command(commands.Command):
    help = "Print a new key for FIELD_ENCRYPTION_KEYS (put it first; keep the old ones until rotate-keys ran)."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(Fernet.generate_key().decode("ascii"))
