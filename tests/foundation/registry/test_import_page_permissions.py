"""Only coordinators and administrators may start an import; everyone else gets 404, anonymous the login."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.registry.models import Municipality
from tests.conftest import PERSONAS, World

URL = reverse("registry:import_start")
ALLOWED = {"coordinator", "administrator"}
REFUSED = sorted(set(PERSONAS) - ALLOWED)


@pytest.mark.parametrize("persona", sorted(ALLOWED))
def test_allowed_persona_sees_the_form_and_queues_the_import(
    world: World, login: Any, persona: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(getattr(world, persona))
    page = client.get(URL)
    assert page.status_code == 200
    assert '<form method="post"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(URL, {"land": "14", "boundaries": "on"})
    run = TaskRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:task_detail", args=[run.pk])
    assert run.kind == "registry.import" and run.requested_by == getattr(world, persona)
    assert run.result["arguments"] == {"land": "14", "sources": [], "boundaries": True, "encoding": "utf-8"}


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_other_persona_gets_404(world: World, login: Any, persona: str, method: str) -> None:
    client = login(getattr(world, persona))
    response = getattr(client, method)(URL, {"land": "14"})
    assert response.status_code == 404
    assert not TaskRun.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_the_login(client: Any, db: None, method: str) -> None:
    response = getattr(client, method)(URL, {"land": "14"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not TaskRun.objects.exists()


def test_queued_import_runs_to_the_end_and_records_who_asked(
    world: World, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"land": "14", "boundaries": "on"})
    run = TaskRun.objects.get()
    assert run.status == TaskRun.Status.DONE
    assert run.result["outcome"]["municipalities"] == 418
    assert Municipality.objects.filter(valid_until__isnull=True, land="14").count() == 418
    progress = client.get(reverse("core:task_detail", args=[run.pk]))
    assert progress.status_code == 200


def test_invalid_state_is_a_form_error(world: World, login: Any) -> None:
    response = login(world.coordinator).post(URL, {"land": "99"})
    assert response.status_code == 200
    assert response.context["form"].errors["land"]
    assert not TaskRun.objects.exists()
