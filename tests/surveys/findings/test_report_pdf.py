"""The final report: PDF content, recommendations, release, and who may do what."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.findings import crime, report, results
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.factories import DistrictFactory
from tests.surveys.findings.report_data import surveyed_project
from tests.surveys.findings.test_crime_import import SAXON_DISTRICTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world: World) -> SurveyProject:
    for ags, name in SAXON_DISTRICTS.items():
        DistrictFactory.create(ags=ags, name=name)
    crime.load_bundled()
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=120)
    report.save_recommendations(actor=world.people["analyst"], project=project,
                                text="Beleuchtung am Bahnhof verbessern.\n\n"
                                     "Streifen des Gemeindlichen Vollzugsdienstes.")
    project.refresh_from_db()
    return project


def text_of(pdf: bytes) -> tuple[PdfReader, list[str]]:
    """The PDF's pages as text without any whitespace (text extraction splits words at kerning and
    line ends); compare with squash()ed strings."""
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [squash(page.extract_text() or "") for page in reader.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_report_has_title_crest_sections_estimates_and_recommendations(project: SurveyProject) -> None:
    reader, pages = text_of(report.render_report(project))
    whole = " ".join(pages)

    assert reader.metadata is not None and reader.metadata.title is not None
    assert reader.metadata.title.startswith("Abschlussbericht")
    assert squash("Pirna, Stadt") in pages[0] and squash("Bürgerbefragung 2026") in pages[0]
    assert reader.pages[0].images, "the crest is on the title page"
    assert "Wappen" not in pages[0]  # the image itself, not its alternative text
    contents = pages[1]
    for heading in ("Inhalt", "1 Methode", "2 Rücklauf", "3 Gewichtung", "4 Ergebnisse",
                    "5 Sicherheitsgefühl und erfasste Kriminalität", "6 Empfehlungen", "Anhang: Fragebogen"):
        assert squash(heading) in whole, heading
    for entry in ("Methode", "Rücklauf", "Gewichtung", "Ergebnisse", "Empfehlungen", "Anhang: Fragebogen"):
        assert squash(entry) in contents
    for phrase in ("Zufallsstartwert 20260101", "Taylor-Linearisierung", "Logit-Methode", "Lumley, T. (2010)",
                   "Designeffekt der Gewichtung", "effektive Stichprobengröße", "PKS Bundeskriminalamt, 2022",
                   "Hellfeld", "Beleuchtung am Bahnhof verbessern.", "Streifen des Gemeindlichen Vollzugsdienstes."):
        assert squash(phrase) in whole, phrase
    # An estimate with its interval, as project_results computes it, is printed (with its n).
    rows = results.project_results(project)
    row = next(r for r in rows if r.item_code == "safety_dark" and r.kind == "mean")
    estimate, interval = report.format_row(row)
    assert squash(f"Mittelwert {estimate} {interval} {row.n}") in whole
    share = next(r for r in rows if r.item_code == "trust_police" and r.kind == "proportion" and r.category == "1")
    assert squash(" ".join(report.format_row(share))) in whole


def test_response_figures_come_from_the_sample_members(project: SurveyProject) -> None:
    overview = report.response_overview(project)
    o = overview["overall"]
    assert (o.drawn, o.online + o.post, o.online, o.post) == (240, 120, 80, 40)
    assert o.undeliverable == len([i for i in range(120, 240) if i % 33 == 0])
    assert o.rate == pytest.approx(120 / (240 - o.undeliverable))
    assert [title for title, _lines in overview["groups"]] == ["Ortsteil", "Altersgruppe", "Geschlecht"]


def test_pdf_download_for_the_team_and_404_for_outsiders(client: Client, login: Any, world: World,
                                                         project: SurveyProject,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    url = reverse("findings:report_pdf", args=[project.pk])
    login(world.people["coordinator"])
    page = client.get(url)
    assert page.status_code == 200 and "Abschlussbericht als PDF erstellen" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs the task (Huey is eager in tests)
        assert client.post(url).status_code == 302
    run = report.latest_report_task(world.people["coordinator"], project)
    assert run is not None and run.status == "done" and run.done == run.total == 3
    body = client.get(url).content.decode()
    download = reverse("core:task_download", args=[run.pk])
    assert f'href="{download}"' in body and 'role="status"' in body
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    for persona in ("plauen_coordinator", "dresden_police", "outsider"):
        login(world.people[persona])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert client.get(download).status_code == 404
        assert client.get(reverse("findings:report", args=[project.pk])).status_code == 404


def test_analyst_edits_recommendations_on_the_page(client: Client, login: Any, world: World,
                                                   project: SurveyProject) -> None:
    login(world.people["analyst"])
    url = reverse("findings:recommendations", args=[project.pk])
    page = client.get(url).content.decode()
    assert '<label for="id_recommendations">' in page and "Beleuchtung am Bahnhof" in page
    response = client.post(url, {"recommendations": "Neue Empfehlung."})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.recommendations == "Neue Empfehlung."
    event = AuditEvent.objects.filter(object_type="surveys.surveyproject", object_id=str(project.pk),
                                      summary="Empfehlungen des Berichts").latest("pk")
    assert event.actor == world.people["analyst"] and event.changed_fields == ["recommendations"]


def test_too_long_recommendations_are_refused(client: Client, login: Any, world: World, project: SurveyProject) -> None:
    login(world.people["analyst"])
    response = client.post(reverse("findings:recommendations", args=[project.pk]),
                           {"recommendations": "x" * (report.RECOMMENDATIONS_MAX + 1)})
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.recommendations.startswith("Beleuchtung")


@pytest.mark.parametrize("persona", ["coordinator", "plauen_coordinator", "outsider"])
def test_only_the_team_edits_recommendations(client: Client, login: Any, world: World, project: SurveyProject,
                                             persona: str) -> None:
    login(world.people[persona])
    url = reverse("findings:recommendations", args=[project.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"recommendations": "fremd"}).status_code == 404
    project.refresh_from_db()
    assert project.recommendations.startswith("Beleuchtung")


@pytest.mark.parametrize("persona", ["coordinator", "plauen_coordinator", "dresden_police", "outsider"])
def test_release_refused_to_others(client: Client, login: Any, world: World, project: SurveyProject,
                                   persona: str) -> None:
    login(world.people[persona])
    assert client.post(reverse("findings:release", args=[project.pk])).status_code == 404
    project.refresh_from_db()
    assert project.status == SurveyProject.Status.ANALYSIS and project.reported_at is None


@pytest.mark.parametrize("persona", ["analyst", "pirna_coordinator"])
def test_team_releases_the_report(client: Client, login: Any, world: World, project: SurveyProject,
                                  persona: str) -> None:
    login(world.people[persona])
    response = client.post(reverse("findings:release", args=[project.pk]))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == SurveyProject.Status.REPORTED and project.reported_at is not None
    # Released: the recommendations are frozen, and a second release is refused.
    with pytest.raises(Exception, match="freigegeben"):
        report.save_recommendations(actor=world.people["analyst"], project=project, text="später")
    with pytest.raises(Exception, match="bereits freigegeben"):
        report.release_report(actor=world.people["analyst"], project=project)
    _reader, pages = text_of(report.render_report(project))
    assert squash("Freigegeben am") in pages[0]


def test_release_needs_a_weighting_and_recommendations(world: World) -> None:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=30,
                               weight=False)
    with pytest.raises(Exception, match="Gewichtung") as refused:
        report.release_report(actor=world.people["analyst"], project=project)
    assert "Empfehlungen" in str(refused.value)
    project.refresh_from_db()
    assert project.status == SurveyProject.Status.ANALYSIS


def test_report_page_offers_download_edit_and_release(client: Client, login: Any, world: World,
                                                      project: SurveyProject) -> None:
    login(world.people["analyst"])
    html = client.get(reverse("findings:report", args=[project.pk])).content.decode()
    assert reverse("findings:report_pdf", args=[project.pk]) in html
    assert reverse("findings:recommendations", args=[project.pk]) in html
    assert reverse("findings:release", args=[project.pk]) in html
    login(world.people["coordinator"])
    html = client.get(reverse("findings:report", args=[project.pk])).content.decode()
    assert reverse("findings:release", args=[project.pk]) not in html
