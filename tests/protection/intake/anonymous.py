"""Helpers for the anonymous-channel tests: posting as a given client, and what the database holds."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection

PASS = "gruene Wiese am Elbufer"


def report_json(world: Any, report_data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {key: value for key, value in report_data.items() if key != "municipality"}
    data["occurred_at"] = report_data["occurred_at"].isoformat()
    data["municipality_ags"] = world.pirna.ags
    data.update(passphrase=PASS, passphrase_repeat=PASS)
    data.update(changes)
    return data


def post_json(client: Any, path: str, body: dict[str, Any], address: str, **extra: Any) -> Any:
    return client.post("/api/v1" + path, json.dumps(body), content_type="application/json",
                       REMOTE_ADDR=address, **extra)


def row_counts() -> dict[str, int]:
    """Rows of every model's table (sessions and the cache excepted: a page view may touch them)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model._meta.label != "sessions.Session"}


def database_text() -> str:
    """Everything the database holds as text: every column of every table (not only the models' text
    fields), the decoded sessions and the decoded entries of the database cache."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the database itself
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        parts.append(str(value))
                        if table == "ks_cache":
                            with contextlib.suppress(ValueError):
                                parts.append(base64.b64decode(str(value)).decode("latin-1"))
    for session in Session.objects.all():
        parts.append(repr(session.get_decoded()))
    return "\n".join(parts)
