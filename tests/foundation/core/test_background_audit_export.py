from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from tests.conftest import World


def _export(world: World, login: Any, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> TaskRun:
    for number in range(3):
        audit.record(actor=world.coordinator, action=AuditEvent.Action.UPDATE, obj=world.pirna,
                     changes={"phone": {"old": str(number), "new": str(number + 1)}})
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.auditor).post("/protokoll/export/")
    assert response.status_code == 302
    return TaskRun.objects.get(kind="core.audit_export")


def test_auditor_exports_trail_in_background_and_downloads_it(
    world: World, login: Any, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, settings: Settings,
    tmp_path: Path,
) -> None:
    run = _export(world, login, django_capture_on_commit_callbacks)
    assert run.status == TaskRun.Status.DONE and run.percent == 100
    page = login(world.auditor).get(f"/aufgaben/{run.pk}/").content.decode()
    assert f"/aufgaben/{run.pk}/datei/" in page
    response = login(world.auditor).get(f"/aufgaben/{run.pk}/datei/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    # three updates plus the audit event of queuing the export itself
    column = rows[0].index("Objekttyp (gespeichert)")
    assert sum(1 for row in rows[1:] if row[column] == "registry.municipality") == 3


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "outsider", "analyst"])
def test_others_cannot_download_an_auditors_export(
    world: World, login: Any, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, settings: Settings,
    tmp_path: Path, persona: str,
) -> None:
    run = _export(world, login, django_capture_on_commit_callbacks)
    client = login(getattr(world, persona))
    assert client.get(f"/aufgaben/{run.pk}/datei/").status_code == 404


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "outsider"])
def test_only_auditors_and_administrators_may_start_an_export(world: World, login: Any, persona: str) -> None:
    assert login(getattr(world, persona)).post("/protokoll/export/").status_code == 404
    assert not TaskRun.objects.exists()
