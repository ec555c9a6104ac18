from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kommunalschutz.foundation.core.progress import ConsoleProgress
from kommunalschutz.foundation.core.services import rotate_encryption_keys


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_encryption_keys(actor=None, progress=ConsoleProgress("rotate-keys"))
        total = sum(counts.values())
        self.stdout.write(f"Re-encrypted {total} value(s).")
        for name, count in sorted(counts.items()):
            self.stdout.write(f"  {name}: {count}")
