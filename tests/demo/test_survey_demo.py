"""The survey demo: Bannewitz from register to released report through the services (issue 5, item 10).
The demo is the session's shared demo database (``demo_db``, tests/demo/database.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from kommunalschutz.alliance.engagements.models import AnalysisPhase
from kommunalschutz.demo.surveys import PRACTICE_TITLE, load_survey_demo
from kommunalschutz.surveys.findings.report import render_report
from kommunalschutz.surveys.findings.selectors import current_run
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling.models import PopulationCell, RegisterExtract, SampleMember
from kommunalschutz.surveys.sampling.synthetic import register_file
from tests.demo.database import DemoData


def test_the_bannewitz_demo_runs_from_register_to_report(demo_db: DemoData) -> None:
    project = SurveyProject.objects.get(municipality__ags="14628050", status=SurveyProject.Status.REPORTED)
    assert project.is_synthetic and project.crest

    # The register: every person of the synthetic extract, the frame = residents aged 16+ without a block.
    population = project.municipality.population
    text = register_file(project).decode("cp1252")
    assert len(text.splitlines()) == population + 1
    frame = sum(PopulationCell.objects.filter(project=project, source="register").values_list("count", flat=True))
    assert 0.75 * population < frame < 0.9 * population
    # Data minimisation: the extract is gone, and so are names, addresses and codes.
    assert not RegisterExtract.objects.filter(project=project).exclude(status="deleted").exists()
    members = SampleMember.objects.filter(sample__project=project)
    assert members.count() == 1000 == project.sample.size
    assert not any(m.family_name or m.street or m.access_code for m in members)
    assert project.sample.addresses_deleted_at is not None

    # Non-response as in real surveys: 35-55 % answered, older people more often, some letters undeliverable.
    answered = members.filter(status__in=["online", "post"])
    assert 350 <= answered.count() <= 550
    assert members.filter(status="undeliverable").count() > 5
    old = members.filter(age_group="65-74")
    young = members.filter(age_group="16-24")
    assert (old.filter(status__in=["online", "post"]).count() / old.count()
            > young.filter(status__in=["online", "post"]).count() / young.count())
    assert Response.objects.filter(project=project, status="submitted").count() == answered.count()
    assert {"online", "paper"} == set(Response.objects.filter(project=project).values_list("channel", flat=True))

    # Raked weights add up to the frame.
    run = current_run(project)
    assert run is not None and run.method == "rake"
    assert sum(run.weights.values()) == pytest.approx(frame, rel=1e-6)

    # The alliance's analysis followed the survey, phase by phase, up to the final report.
    assert project.security_analysis is not None
    phases = {p.phase: p for p in project.security_analysis.phases.all()}
    assert phases[AnalysisPhase.Phase.REGISTER_EXTRACT].actual_end == dt.date(2026, 3, 9)
    assert phases[AnalysisPhase.Phase.FIELDWORK].actual_start == dt.date(2026, 4, 13)
    assert phases[AnalysisPhase.Phase.FINAL_REPORT].actual_end == dt.date(2026, 7, 14)

    pdf = PdfReader(io.BytesIO(render_report(project)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Bannewitz" in text and "Beleuchtung" in text

    # A second, fresh project for trying every step in the browser; loading again changes nothing.
    practice = SurveyProject.objects.get(title=PRACTICE_TITLE)
    assert practice.status == SurveyProject.Status.PREPARATION and practice.questionnaires.exists()
    assert load_survey_demo() == project
    assert SurveyProject.objects.filter(municipality=project.municipality).count() == 2
