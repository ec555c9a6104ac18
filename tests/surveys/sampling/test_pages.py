"""The sampling pages: the project team works through upload -> columns -> report -> draw -> letters ->
tracking; everyone else, the coordination office included, gets 404."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader
from pytest_django import DjangoCaptureOnCommitCallbacks

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling import draw, letters
from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample
from tests.conftest import World
from tests.surveys.sampling.conftest import person_rows, register_file

pytestmark = pytest.mark.django_db

REFUSED = ["coordinator", "plauen_coordinator", "pirna_official", "dresden_police", "lka_officer", "coach",
           "auditor", "administrator", "outsider"]


@pytest.mark.parametrize("persona", REFUSED)
def test_outsiders_get_404_on_every_page(world: World, project: SurveyProject, imported: Any, login: Any,
                                         persona: str) -> None:
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=3, seed=1)
    member = sample.members.first()
    assert member is not None
    client = login(world.people[persona])
    pages = [
        reverse("sampling:overview", args=[project.pk]),
        reverse("sampling:report", args=[project.pk, imported.pk]),
        reverse("sampling:report_csv", args=[project.pk, imported.pk]),
        reverse("sampling:draw", args=[project.pk]),
        reverse("sampling:tracking", args=[project.pk]),
        reverse("sampling:member_detail", args=[project.pk, member.number]),
        reverse("sampling:addresses_delete", args=[project.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url in (reverse("sampling:letters", args=[project.pk]), reverse("sampling:tracking", args=[project.pk]),
                reverse("sampling:reminders", args=[project.pk]),
                reverse("sampling:reminders_again", args=[project.pk, 1]),
                reverse("sampling:addresses_delete", args=[project.pk])):
        assert client.post(url, {"number": 1, "confirm": "on"}).status_code == 404
    sample.refresh_from_db()
    assert sample.letters_produced_at is None and sample.addresses_deleted_at is None
    assert not TaskRun.objects.exists()


def test_other_contractors_analyst_gets_404(world: World, project: SurveyProject, login: Any) -> None:
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    other = UserFactory.create(username="other_analyst")
    MembershipFactory.create(user=other, organisation=OrganisationFactory.create(kind=world.analysis_contractor.kind),
                             role="analyst")
    assert login(other).get(reverse("sampling:overview", args=[project.pk])).status_code == 404


def test_the_municipality_walks_through_upload_mapping_report_draw_letters(
        world: World, project: SurveyProject, login: Any,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    client = login(world.pirna_coordinator)
    overview = reverse("sampling:overview", args=[project.pk])
    assert client.get(overview).status_code == 200
    data = register_file(person_rows(200), encoding="cp1252", delimiter=",")
    response = client.post(reverse("sampling:upload", args=[project.pk]),
                           {"file": SimpleUploadedFile("melde.csv", data, content_type="text/csv")})
    extract = RegisterExtract.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{extract.pk}/spalten/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Windows-1252" in page.content.decode()
    # The guessed mapping is preselected; an unassigned required column is refused at its field.
    guessed = {target: str(index) for target, index in extract.mapping.items()}
    assert guessed["birth_date"] == "7" and guessed["blocked"] == "9"
    bad = client.post(response["Location"], {**guessed, "birth_date": ""})
    assert bad.status_code == 400
    extract.refresh_from_db()
    assert extract.status == "uploaded"
    done = client.post(response["Location"], guessed)
    assert done.status_code == 302
    extract.refresh_from_db()
    assert extract.status == "imported"
    assert client.get(done["Location"]).status_code == 200
    refused = client.post(reverse("sampling:draw", args=[project.pk]), {"method": "stratified", "size": 5000})
    assert refused.status_code == 400 and not Sample.objects.exists()
    drawn = client.post(reverse("sampling:draw", args=[project.pk]),
                        {"method": "stratified", "size": 20, "seed": "123"})
    assert drawn.status_code == 302
    assert Sample.objects.get().seed == 123
    assert "123" in client.get(overview).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("sampling:letters", args=[project.pk]))
    run = TaskRun.objects.get(kind=letters.LETTERS_OPERATION)
    assert started.status_code == 302
    assert started["Location"] == reverse("sampling:rendering", args=[project.pk, run.pk])
    assert Sample.objects.get().letters_produced_at is not None
    progress = client.get(started["Location"]).content.decode()
    assert "100 %" in progress and reverse("core:task_download", args=[run.pk]) in progress
    pdf = client.get(reverse("core:task_download", args=[run.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(pdf.streaming_content)))
    assert len(reader.pages) == 20
    assert "http://testserver/umfrage/?code=" in "".join(reader.pages[0].extract_text().split()) or \
        "testserver/umfrage/" in reader.pages[0].extract_text()
    member = Sample.objects.get().members.get(number=7)
    tracking = reverse("sampling:tracking", args=[project.pk])
    page = client.get(tracking).content.decode()
    assert member.family_name not in page, "names only on the detail page"
    assert client.post(tracking, {"number": 7}).status_code == 302
    member.refresh_from_db()
    assert member.status == "undeliverable"
    assert client.post(tracking, {"number": 7}).status_code == 400
    detail = client.get(reverse("sampling:member_detail", args=[project.pk, 7])).content.decode()
    assert member.family_name in detail
    assert client.post(reverse("sampling:addresses_delete", args=[project.pk]), {}).status_code == 400
    assert client.post(reverse("sampling:addresses_delete", args=[project.pk]), {"confirm": "on"}).status_code == 302
    assert Sample.objects.get().addresses_deleted_at is not None


def test_an_invalid_file_shows_the_report_and_offers_it_as_csv(world: World, project: SurveyProject,
                                                               login: Any) -> None:
    client = login(world.analyst)
    rows = person_rows(10)
    rows[3][7] = "30.02.1970"
    client.post(reverse("sampling:upload", args=[project.pk]),
                {"file": SimpleUploadedFile("melde.csv", register_file(rows))})
    extract = RegisterExtract.objects.get()
    response = client.post(reverse("sampling:mapping", args=[project.pk, extract.pk]),
                           {t: str(i) for t, i in extract.mapping.items()})
    assert response.status_code == 302
    extract.refresh_from_db()
    assert extract.status == "invalid" and not extract.chunks.filter(kind="rows").exists()
    page = client.get(response["Location"]).content.decode()
    assert "30.02.1970" in page
    # the summary by kind names the kind in German, not the internal key (issue 13)
    assert "<li>Geburtsdatum: 1</li>" in page and "birth_date" not in page
    csv = client.get(reverse("sampling:report_csv", args=[project.pk, extract.pk]))
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("5;8: Geburtsdatum;")


def test_an_empty_upload_is_refused_at_the_field(world: World, project: SurveyProject, login: Any) -> None:
    client = login(world.analyst)
    response = client.post(reverse("sampling:upload", args=[project.pk]),
                           {"file": SimpleUploadedFile("leer.csv", b"nur eine spalte\n")})
    assert response.status_code == 400
    assert not RegisterExtract.objects.exists()
