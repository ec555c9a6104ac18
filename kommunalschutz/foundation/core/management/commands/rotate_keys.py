from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.core.progress import ConsoleProgress
from kommunalschutz.foundation.core.services import rotate_encryption_keys


class Command(commands.Command):
    help = "Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_encryption_keys(actor=None, progress=ConsoleProgress("rotate-keys"))
        total = sum(counts.values())
        self.stdout.write(_("Re-encrypted %(count)s value(s).") % {"count": total})
        for name, count in sorted(counts.items()):
            self.stdout.write(f"  {name}: {count}")
