"""Name badges are laid out in the background (decision 0024): button -> progress page -> download, reused
while no registration changes, and only for the coordinator who asked while they manage the event."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.events import badges
from kommunalschutz.foundation.core.models import TaskRun
from tests.alliance.events.conftest import make_event, register_public
from tests.conftest import World
from tests.files import StoredPath

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_store() -> StoredPath:
    """The platform's file storage (each test has its own database, so no PDF of an earlier run is reused)."""
    return StoredPath()


def _make(client: Any, event: Any, capture: Any) -> TaskRun:
    with capture(execute=True):  # the queue runs the task (Huey is eager in tests)
        assert client.post(reverse("events:badges", args=[event.slug])).status_code == 302
    run = TaskRun.objects.filter(kind=badges.BADGES_OPERATION).latest("pk")
    assert run.status == TaskRun.Status.DONE, run.message
    return run


def test_being_prepared_then_the_download(world: World, login: Any) -> None:
    event = make_event(world)
    register_public(event, 1)
    client = login(world.coordinator)
    url = reverse("events:badges", args=[event.slug])
    first = client.get(url).content.decode()
    assert "Namensschilder erstellen" in first and "<progress" not in first
    client.post(url)  # queued; the test transaction never commits, so the worker never starts
    client.post(url)
    assert TaskRun.objects.filter(kind=badges.BADGES_OPERATION).count() == 1  # no second task while one waits
    page = client.get(url).content.decode()
    assert "wird vorbereitet …" in page and "<progress" in page and 'role="status"' in page
    polled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert polled.lstrip().startswith('<div id="task-progress-') and f'hx-get="{url}"' in polled


def test_unchanged_registrations_reuse_the_pdf_a_change_makes_a_new_one(
        world: World, login: Any, file_store: StoredPath, django_capture_on_commit_callbacks: Any) -> None:
    event = make_event(world, capacity=20)
    register_public(event, 1)
    client = login(world.coordinator)
    first = _make(client, event, django_capture_on_commit_callbacks)
    assert first.result["outcome"]["reused"] is False and first.done == first.total == 3
    second = _make(client, event, django_capture_on_commit_callbacks)
    assert second.pk != first.pk and second.result["outcome"]["reused"] is True
    assert second.result["outcome"]["stored"] == first.result["outcome"]["stored"]
    register_public(event, 2)
    third = _make(client, event, django_capture_on_commit_callbacks)
    assert third.result["outcome"]["reused"] is False
    assert third.result["outcome"]["stored"] != first.result["outcome"]["stored"]
    assert len(list(file_store.rglob("*.pdf"))) == 2
    response = client.get(reverse("events:badges_download", args=[event.slug, third.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("persona", ["pirna_coordinator", "pirna_official", "dresden_police", "auditor",
                                     "administrator", "outsider"])
def test_nobody_else_starts_or_downloads(world: World, login: Any, persona: str,
                                         django_capture_on_commit_callbacks: Any) -> None:
    event = make_event(world)
    register_public(event, 1)
    run = _make(login(world.coordinator), event, django_capture_on_commit_callbacks)
    client = login(getattr(world, persona))
    assert client.get(reverse("events:badges", args=[event.slug])).status_code == 404
    assert client.post(reverse("events:badges", args=[event.slug])).status_code == 404
    assert client.get(reverse("events:badges_download", args=[event.slug, run.pk])).status_code == 404
    assert client.get(reverse("core:task_download", args=[run.pk])).status_code == 404
    assert TaskRun.objects.filter(kind=badges.BADGES_OPERATION).count() == 1


def test_the_download_belongs_to_its_event_and_its_requester(world: World, login: Any,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    event = make_event(world)
    other = make_event(world, slug="anderes-treffen")
    register_public(event, 1)
    client = login(world.coordinator)
    run = _make(client, event, django_capture_on_commit_callbacks)
    assert client.get(reverse("events:badges_download", args=[other.slug, run.pk])).status_code == 404
    # Core's generic task download never serves it (the outcome names no "file"): only the event's view does.
    assert client.get(reverse("core:task_download", args=[run.pk])).status_code == 404
    assert "file" not in run.result["outcome"]
    # A task still under way has nothing to download.
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.RUNNING)
    assert client.get(reverse("events:badges_download", args=[event.slug, run.pk])).status_code == 404

