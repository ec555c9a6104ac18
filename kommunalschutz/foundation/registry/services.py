"""Write operations of the registry: the reference-data import, run directly or queued."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.audit import AuditActor
from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.foundation.core.services import start_operation
from kommunalschutz.foundation.registry.importer import Importer, ImportResult, Sources
from kommunalschutz.foundation.registry.readers import STATE_NAMES

OPERATION = "registry.import"


def import_registry(
    *,
    actor: AuditActor,
    land: str | None = None,
    sources: Sequence[str | Path] = (),
    boundaries: bool = True,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> ImportResult:
    """Import one state's reference data in one transaction (see registry.importer).

    ``land`` defaults to the state package's state. ``sources`` replaces shipped files by newer ones of the
    same kind; without it the national file in registry/data and the state package's files are imported.
    Raises RegistryImportError on bad input, in which case nothing is written.
    """
    land = land or states.current().key
    chosen = Sources.from_files(land, sources) if sources else Sources.default(land)
    return Importer(actor=actor, land=land, sources=chosen, boundaries=boundaries, encoding=encoding,
                    progress=progress).run()


def import_registry_operation(
    *,
    progress: Progress,
    actor_id: int | None,
    land: str | None = None,
    sources: Sequence[str] = (),
    boundaries: bool = True,
    encoding: str = "utf-8",
) -> dict[str, Any]:
    """The queued form of :func:`import_registry` (queued as "registry.import", registered in RegistryConfig.ready)."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    land = land or states.current().key
    result = import_registry(actor=actor, land=land, sources=sources, boundaries=boundaries, encoding=encoding,
                             progress=progress)
    return result.as_dict()


def queue_registry_import(
    *,
    actor: AuditActor,
    land: str | None = None,
    sources: Sequence[str | Path] = (),
    boundaries: bool = True,
    encoding: str = "utf-8",
) -> TaskRun:
    """Queue the import; the returned TaskRun shows its progress."""
    land = land or states.current().key
    if land not in STATE_NAMES:
        raise ValueError(f"Unknown state key {land!r}.")
    # The worker may run in another directory: hand it absolute paths.
    paths = [str(Path(source).resolve()) for source in sources]
    label = gettext("Registry import: %(state)s") % {"state": STATE_NAMES[land]}
    return start_operation(
        actor=actor, kind=OPERATION, label=label,
        arguments={"land": land, "sources": paths, "boundaries": boundaries, "encoding": encoding},
    )
