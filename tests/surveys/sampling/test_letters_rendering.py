"""Sending and rendering are separate: the state change happens at once, the PDF is a background
operation (Huey runs immediately in tests) whose file only the requester can download."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pytest_django import DjangoCaptureOnCommitCallbacks

from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling import draw, letters, minimisation
from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample, SampleMember
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(world: World, project: SurveyProject, imported: Any) -> Sample:
    return draw.draw_sample(actor=world.analyst, project=project, method="simple", size=6, seed=5)


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "".join(page.extract_text() for page in reader.pages)


def _download(client: Client, run: TaskRun) -> bytes:
    response = client.get(reverse("core:task_download", args=[run.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]  # the stubs' test response omits it


def test_send_letters_changes_state_and_renders_nothing(world: World, project: SurveyProject, imported: Any,
                                                        sample: Sample) -> None:
    returned = letters.send_letters(actor=world.analyst, project=project)
    assert returned.pk == sample.pk and returned.letters_produced_at is not None
    assert set(sample.members.values_list("status", flat=True)) == {SampleMember.Status.SENT}
    assert all(sample.members.values_list("letter_sent_at", flat=True))
    imported.refresh_from_db()
    assert imported.status == RegisterExtract.Status.DELETED
    assert not TaskRun.objects.exists(), "no rendering queued by the service"
    assert AuditEvent.objects.filter(object_type="sampling.sample", summary="6 cover letters sent").exists()
    with pytest.raises(ValidationError) as caught:
        letters.send_letters(actor=world.analyst, project=project)
    assert "bereits" in " ".join(caught.value.messages)


def test_send_reminders_counts_and_refuses_when_nobody_waits(world: World, project: SurveyProject,
                                                             sample: Sample) -> None:
    with pytest.raises(ValidationError):
        letters.send_reminders(actor=world.analyst, project=project)
    assert set(sample.members.values_list("reminders_sent", flat=True)) == {0}
    letters.send_letters(actor=world.analyst, project=project)
    sample.members.filter(number__in=[1, 2]).update(status=SampleMember.Status.ONLINE)
    assert letters.send_reminders(actor=world.analyst, project=project) == 4
    assert letters.reminder_rounds(sample) == 1
    waiting = sample.members.filter(number__gte=3)
    assert set(waiting.values_list("reminders_sent", flat=True)) == {1}
    assert all(waiting.values_list("last_reminder_at", flat=True))


def test_renderers_print_one_page_per_letter_with_code_and_a_png_qr_code(world: World, project: SurveyProject,
                                                                         sample: Sample) -> None:
    letters.send_letters(actor=world.analyst, project=project)
    pages, text = _text(letters.letters_pdf(project, site_url="https://ks.example"))
    assert pages == 6
    for member in sample.members.all():
        assert member.access_code in text and member.family_name in text and f"Lfd. Nr. {member.number}" in text
    assert "https://ks.example/umfrage/" in text
    images = PdfReader(io.BytesIO(letters.letters_pdf(project))).pages[0].images
    assert images, "the QR code is an image, not vector paths"
    # one pixel per module: version 3 or 4 (29 or 33 modules) plus the quiet zone of 4 on each side
    assert {image.image.size for image in images} <= {(37, 37), (41, 41)}  # type: ignore[union-attr]  # None fails too


def test_reminder_rounds_keep_their_recipients(world: World, project: SurveyProject, sample: Sample) -> None:
    letters.send_letters(actor=world.analyst, project=project)
    with pytest.raises(ValidationError):
        letters.reminders_pdf(project, 1)  # no round sent yet
    sample.members.filter(number=1).update(status=SampleMember.Status.ONLINE)
    letters.send_reminders(actor=world.analyst, project=project)  # round 1: numbers 2-6
    late = sample.members.get(number=2)
    late.status = SampleMember.Status.POST  # answers after the first reminder
    late.save()
    letters.mark_undeliverable(actor=world.analyst, project=project, number=3)
    assert letters.send_reminders(actor=world.analyst, project=project) == 3  # round 2: numbers 4-6
    pages, text = _text(letters.reminders_pdf(project, 1))
    assert pages == 5 and late.access_code in text and "Erinnerung" in text
    pages, text = _text(letters.reminders_pdf(project, 2))
    assert pages == 3 and late.access_code not in text
    for round_ in (0, 3):
        with pytest.raises(ValidationError):
            letters.reminders_pdf(project, round_)


def test_nothing_is_rendered_before_sending_or_after_the_addresses_are_deleted(world: World, project: SurveyProject,
                                                                               sample: Sample) -> None:
    with pytest.raises(ValidationError):
        letters.letters_pdf(project)
    with pytest.raises(ValidationError):
        letters.start_rendering(actor=world.analyst, project=project)
    letters.send_letters(actor=world.analyst, project=project)
    minimisation.delete_addresses(actor=world.analyst, project=project)
    with pytest.raises(ValidationError) as caught:
        letters.letters_pdf(project)
    assert "gelöscht" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError):
        letters.start_rendering(actor=world.analyst, project=project)
    assert not TaskRun.objects.exists()


def test_letters_in_the_browser_render_in_the_background_for_the_requester_only(
        world: World, project: SurveyProject, sample: Sample, login: Any,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    client = login(world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sampling:letters", args=[project.pk]))
    run = TaskRun.objects.get()
    assert response["Location"] == reverse("sampling:rendering", args=[project.pk, run.pk])
    assert run.status == TaskRun.Status.DONE and (run.done, run.total) == (7, 7)  # 6 letters + joining the PDF
    assert run.result["arguments"] == {"project_id": project.pk, "round": 0, "site_url": "http://testserver"}
    sample.refresh_from_db()
    assert sample.letters_produced_at is not None
    pages, text = _text(_download(client, run))
    member = sample.members.first()
    assert member is not None
    assert pages == 6 and member.access_code in text
    overview = client.get(reverse("sampling:overview", args=[project.pk])).content.decode()
    assert reverse("core:task_download", args=[run.pk]) in overview
    assert AuditEvent.objects.filter(summary="cover letters rendered as PDF", actor=world.analyst).exists()
    # The other team member may manage the sample but neither sees this file's page nor downloads it.
    colleague = login(world.pirna_coordinator)
    assert colleague.get(reverse("core:task_download", args=[run.pk])).status_code == 404
    assert colleague.get(reverse("sampling:rendering", args=[project.pk, run.pk])).status_code == 404
    assert reverse("core:task_download", args=[run.pk]) not in colleague.get(
        reverse("sampling:overview", args=[project.pk])).content.decode()
    # Downloading again starts a new rendering and changes nothing else.
    sent_at = sample.letters_produced_at
    with django_capture_on_commit_callbacks(execute=True):
        colleague.post(reverse("sampling:letters", args=[project.pk]))
    again = TaskRun.objects.latest("pk")
    assert again.pk != run.pk and again.requested_by == world.pirna_coordinator
    assert _text(_download(colleague, again))[0] == 6
    sample.refresh_from_db()
    assert sample.letters_produced_at == sent_at


def test_reminder_round_in_the_browser_and_again(
        world: World, project: SurveyProject, sample: Sample, login: Any,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    client = login(world.pirna_coordinator)
    refused = client.post(reverse("sampling:reminders", args=[project.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == reverse("sampling:overview", args=[project.pk])
    assert "Bitte erstellen Sie zuerst die Anschreiben" in refused.content.decode()
    assert not TaskRun.objects.exists()
    letters.send_letters(actor=world.analyst, project=project)
    sample.members.filter(number=1).update(status=SampleMember.Status.ONLINE)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sampling:reminders", args=[project.pk]))
    run = TaskRun.objects.get()
    assert run.result["arguments"]["round"] == 1
    assert set(sample.members.filter(number__gte=2).values_list("reminders_sent", flat=True)) == {1}
    assert _text(_download(client, run))[0] == 5
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sampling:reminders_again", args=[project.pk, 1]))
    again = TaskRun.objects.latest("pk")
    assert again.pk != run.pk and _text(_download(client, again))[0] == 5
    assert set(sample.members.filter(number__gte=2).values_list("reminders_sent", flat=True)) == {1}
    missing = client.post(reverse("sampling:reminders_again", args=[project.pk, 2]), follow=True)
    assert "Erinnerungsrunde 2" in missing.content.decode()
    assert TaskRun.objects.count() == 2


def test_deleting_the_addresses_removes_the_files_and_stops_queued_renderings(
        world: World, project: SurveyProject, sample: Sample, login: Any,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, file_store: Any) -> None:
    client = login(world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sampling:letters", args=[project.pk]))
    done = TaskRun.objects.get()
    name = done.result["outcome"]["file"]
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("sampling:letters", args=[project.pk]))
    pending = TaskRun.objects.latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        minimisation.delete_addresses(actor=world.analyst, project=project)
    assert not default_storage.exists(name)
    assert client.get(reverse("core:task_download", args=[done.pk])).status_code == 404
    for callback in queued:  # the queued rendering runs only now, after the deletion
        callback()
    pending.refresh_from_db()
    assert pending.status == TaskRun.Status.FAILED
    assert "gelöscht" in pending.message
    page = client.post(reverse("sampling:letters", args=[project.pk]), follow=True).content.decode()
    assert "gelöscht" in page
    assert TaskRun.objects.count() == 2
