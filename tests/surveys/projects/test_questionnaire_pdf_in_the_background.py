"""The paper questionnaire is laid out in the background (decision 0024): button -> progress page ->
download, the same version and language unchanged is served from the stored PDF, and only the person who
asked gets it while they may see the project."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.surveys.projects import builder, paper
from kommunalschutz.surveys.projects.models import Questionnaire, SurveyProject
from tests.conftest import World
from tests.files import StoredPath
from tests.survey_factories import SurveyProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_store() -> StoredPath:
    """The platform's file storage (each test has its own database, so no PDF of an earlier run is reused)."""
    return StoredPath()


@pytest.fixture
def questionnaire(world: World) -> Questionnaire:
    project: SurveyProject = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)
    return builder.create_questionnaire_from_bank(actor=world.analyst, project=project)


def _url(questionnaire: Questionnaire) -> str:
    return reverse("surveys:questionnaire_pdf", args=[questionnaire.project_id, questionnaire.version])


def _make(client: Any, questionnaire: Questionnaire, capture: Any, lang: str = "de") -> TaskRun:
    with capture(execute=True):  # the queue runs the task (Huey is eager in tests)
        assert client.post(_url(questionnaire), {"lang": lang}).status_code == 302
    run = TaskRun.objects.filter(kind=paper.QUESTIONNAIRE_PDF_OPERATION).latest("pk")
    assert run.status == TaskRun.Status.DONE, run.message
    return run


def _download(questionnaire: Questionnaire, run: TaskRun) -> str:
    return reverse("surveys:questionnaire_pdf_download", args=[questionnaire.project_id, questionnaire.version, run.pk])


def test_the_links_lead_to_the_page_which_says_being_prepared(world: World, login: Any,
                                                              questionnaire: Questionnaire) -> None:
    client = login(world.analyst)
    detail = client.get(reverse("surveys:questionnaire", args=[questionnaire.project_id, questionnaire.version]))
    assert f'href="{_url(questionnaire)}"' in detail.content.decode()
    first = client.get(_url(questionnaire)).content.decode()
    assert "PDF erstellen" in first and "(Deutsch)" in first and "<progress" not in first
    client.post(_url(questionnaire), {"lang": "en"})  # queued; the test transaction never commits
    client.post(_url(questionnaire) + "?lang=en")
    assert TaskRun.objects.filter(kind=paper.QUESTIONNAIRE_PDF_OPERATION).count() == 1
    page = client.get(_url(questionnaire) + "?lang=en").content.decode()
    assert "(Englisch)" in page and "wird vorbereitet …" in page and "<progress" in page
    assert "wird vorbereitet" not in client.get(_url(questionnaire)).content.decode()  # German: another task


def test_an_unchanged_version_is_served_again_an_edit_makes_a_new_pdf(
        world: World, login: Any, questionnaire: Questionnaire, file_store: StoredPath,
        django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.analyst)
    first = _make(client, questionnaire, django_capture_on_commit_callbacks)
    assert first.result["outcome"]["reused"] is False and first.done == first.total == 3
    again = _make(login(world.coordinator), questionnaire, django_capture_on_commit_callbacks)
    assert again.result["outcome"]["reused"] is True  # another person, same file: no second layout
    assert again.result["outcome"]["stored"] == first.result["outcome"]["stored"]
    english = _make(client, questionnaire, django_capture_on_commit_callbacks, "en")
    assert english.result["outcome"]["reused"] is False
    builder.add_item(actor=world.analyst, questionnaire=questionnaire, block="places", code="market_safety",
                     kind="scale", text_de="Wie sicher fühlen Sie sich auf dem Wochenmarkt?",
                     text_en="How safe do you feel at the weekly market?",
                     options=[{"code": c, "de": f"Stufe {c}", "en": f"level {c}"} for c in range(1, 6)])
    edited = _make(client, questionnaire, django_capture_on_commit_callbacks)
    assert edited.result["outcome"]["reused"] is False
    assert edited.result["outcome"]["stored"] != first.result["outcome"]["stored"]
    assert len(list(file_store.rglob("*.pdf"))) == 3
    response = client.get(_download(questionnaire, edited))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF") and content == (file_store / edited.result["outcome"]["stored"]).read_plain()


@pytest.mark.parametrize("persona", ["plauen_coordinator", "outsider", "dresden_police"])
def test_outsiders_neither_start_nor_download(world: World, login: Any, questionnaire: Questionnaire, persona: str,
                                              django_capture_on_commit_callbacks: Any) -> None:
    run = _make(login(world.analyst), questionnaire, django_capture_on_commit_callbacks)
    client = login(getattr(world, persona))
    assert client.get(_url(questionnaire)).status_code == 404
    assert client.post(_url(questionnaire)).status_code == 404
    assert client.get(_download(questionnaire, run)).status_code == 404
    assert client.get(reverse("core:task_download", args=[run.pk])).status_code == 404
    assert TaskRun.objects.filter(kind=paper.QUESTIONNAIRE_PDF_OPERATION).count() == 1


def test_a_colleague_gets_their_own_pdf_not_someone_elses(world: World, login: Any, questionnaire: Questionnaire,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    run = _make(login(world.analyst), questionnaire, django_capture_on_commit_callbacks)
    colleague = login(world.coordinator)  # sees the project, but did not ask for this file
    assert colleague.get(_url(questionnaire)).status_code == 200
    assert colleague.get(_download(questionnaire, run)).status_code == 404
    # The task under another version's address is refused too, and core's generic download never serves it.
    analyst = login(world.analyst)
    copy = builder.new_version(actor=world.analyst, questionnaire=questionnaire)
    assert analyst.get(_download(copy, run)).status_code == 404
    assert analyst.get(_download(questionnaire, run)).status_code == 200
    assert analyst.get(reverse("core:task_download", args=[run.pk])).status_code == 404
