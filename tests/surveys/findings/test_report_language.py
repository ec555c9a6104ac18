"""The final report PDF is German throughout: no English label of the survey and sampling choices
(question blocks, sex, sampling method, sample member status) appears in it, also when the person who
downloads it browses in English. The labels come from the surveys and sampling catalogues."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.db.models import TextChoices
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from kommunalschutz.surveys.findings import crime, report
from kommunalschutz.surveys.projects.models import Block, Sex, SurveyProject
from kommunalschutz.surveys.sampling.models import Sample, SampleMember
from tests.conftest import World
from tests.factories import DistrictFactory
from tests.surveys.findings.report_data import surveyed_project
from tests.surveys.findings.test_crime_import import SAXON_DISTRICTS

pytestmark = pytest.mark.django_db

CHOICES: tuple[type[TextChoices], ...] = (Block, Sex, Sample.Method, SampleMember.Status)
LETTER = "A-Za-zÄÖÜäöüß"


def labels(language: str) -> dict[tuple[str, str], str]:
    """(choice class, value) -> label in ``language``."""
    with translation.override(language):
        return {(cls.__qualname__, str(value)): str(label) for cls in CHOICES for value, label in cls.choices}


def occurs(label: str, text: str) -> bool:
    """``label`` as whole words in ``text`` (any whitespace between its words, case ignored): "male" is
    found in "male 120" but not in "Merkmale", nor inside an item code such as life_satisfaction."""
    words = r"\s+".join(re.escape(word) for word in label.split())
    return re.search(rf"(?<![{LETTER}]){words}(?![{LETTER}])", text, flags=re.IGNORECASE) is not None


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def project(world: World) -> SurveyProject:
    for ags, name in SAXON_DISTRICTS.items():
        DistrictFactory.create(ags=ags, name=name)
    crime.load_bundled()
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)
    report.save_recommendations(actor=world.people["analyst"], project=project, text="Mehr Licht am Bahnhof.")
    project.refresh_from_db()
    return project


def test_every_choice_label_has_a_german_translation() -> None:
    english, german = labels("en"), labels("de")
    untranslated = [f"{key[0]} {key[1]}: {text!r}" for key, text in english.items() if german[key] == text]
    assert untranslated == []


def test_report_downloaded_in_english_has_only_german_labels(
        project: SurveyProject, world: World, client: Any, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    login(world.people["analyst"])
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs the task (Huey is eager in tests)
        client.post(reverse("findings:report_pdf", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    run = report.latest_report_task(world.people["analyst"], project)
    response = client.get(reverse("core:task_download", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)

    english = [label for label in labels("en").values() if occurs(label, text)]
    assert english == [], f"English labels in the German report: {english}"
    # The report does print these labels, in German (so the check above looks at the right text).
    german = labels("de")
    printed = [german[("Sex", "m")], german[("Sex", "w")], german[("Sample.Method", "stratified")],
               german[("Block", "safety")], german[("Block", "trust")], german[("Block", "life")]]
    assert [label for label in printed if not occurs(label, text)] == []


def test_report_rendered_while_english_is_active_is_german(project: SurveyProject) -> None:
    with translation.override("en"):
        text = pdf_text(report.render_report(project))
        assert str(Sex.MALE.label) == "male"  # English really is active around the call
    assert not occurs("male", text) and not occurs("perceived safety", text)
    assert occurs("männlich", text) and occurs("Sicherheitsgefühl", text)
