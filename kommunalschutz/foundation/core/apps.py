from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_runtime_privileges(using: str = "default", **kwargs: Any) -> None:
    """After every migration run as the owner, the runtime role gets its privileges on new tables too."""
    from django.conf import settings
    from django.db import connections

    from kommunalschutz.foundation.core.dbroles import grant_runtime_privileges

    role = settings.DATABASE_RUNTIME_ROLE
    connection = connections[using]
    if role and connection.vendor == "postgresql" and role != connection.settings_dict.get("USER"):
        grant_runtime_privileges(connection, role)


class CoreConfig(AppConfig):
    name = "kommunalschutz.foundation.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from kommunalschutz.foundation.core import checks  # noqa: F401  (registers the deploy checks)
        from kommunalschutz.foundation.core.collation import register_sqlite_function
        from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS
        from kommunalschutz.foundation.core.storage import rotate_stored_files

        # every stored file (evidence, agreements, reports, letters, exports) in whichever backend
        ROTATION_HOOKS["stored files"] = rotate_stored_files

        # the German sort key (core.collation) on every new SQLite connection
        connection_created.connect(register_sqlite_function, dispatch_uid="core.german_sort_key")
        post_migrate.connect(_grant_runtime_privileges, sender=self, dispatch_uid="core.grant_runtime_privileges")
