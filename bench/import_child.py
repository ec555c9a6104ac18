"""Child process of the import benchmark: times `import_registry` into a fresh database, repeatedly.

Run by bench.importing inside a prepared deployment (settings from its environment, database
migrated). Each repetition starts from a copy of the migrated, empty database, so every run
imports into the same state; Django starts once, so only the import itself is timed. The last
repetition's database is left imported for the server benchmarks. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import shutil
import time
from pathlib import Path
from typing import Any

import django


def _reset_sqlite(path: Path, template: Path) -> None:
    from django.db import connection

    connection.close()  # the last connection closing checkpoints and removes the WAL
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
    shutil.copyfile(template, path)


def _reset_postgres(name: str, template: str, admin_dsn: str) -> None:
    import psycopg
    from django.db import connection

    connection.close()
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _import_once() -> float:
    from kommunalschutz.foundation.registry import services

    function = services.import_registry
    kwargs: dict[str, Any] = {}
    # The import records an audit trail; the benchmark has no acting user, like the CLI.
    if "actor" in inspect.signature(function).parameters:
        kwargs["actor"] = None
    started = time.perf_counter()
    function(**kwargs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, required=True)
    parser.add_argument("--reimports", type=int, required=True)
    parser.add_argument("--admin-dsn", default="")
    args = parser.parse_args()

    django.setup()
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    fresh: list[float] = []
    reimport: list[float] = []
    if connection.vendor == "sqlite":
        path = Path(database["NAME"])
        template = path.with_name(path.name + ".template")
        connection.close()
        shutil.copyfile(path, template)

        def reset() -> None:
            _reset_sqlite(path, template)
    else:
        name = str(database["NAME"])
        template_name = f"{name}_tmpl"
        connection.close()
        import psycopg

        with psycopg.connect(args.admin_dsn, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{template_name}" TEMPLATE "{name}"')

        def reset() -> None:
            _reset_postgres(name, template_name, args.admin_dsn)

    for _ in range(args.repetitions):
        reset()
        fresh.append(_import_once())
    # Re-importing unchanged data is the idempotent path operators run after every update.
    for _ in range(args.reimports):
        reimport.append(_import_once())

    from kommunalschutz.foundation.registry.models import District, Municipality

    counts = {"municipalities": Municipality.objects.count(), "districts": District.objects.count()}
    connection.close()
    if connection.vendor != "sqlite":
        with psycopg.connect(args.admin_dsn, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template_name}" WITH (FORCE)')
    else:
        template.unlink()
    result = {"fresh_seconds": fresh, "reimport_seconds": reimport, "counts": counts}
    print("BENCH_RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
