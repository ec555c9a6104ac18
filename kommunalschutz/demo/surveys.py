"""The survey demo: a finished security analysis of Bannewitz, and a fresh project to try every step.

It runs once (a database that already has the synthetic Bannewitz survey is left alone). Every step goes
through the services of the survey apps, as a user in the browser would: project, crest, questionnaire
from the item bank, the synthetic register extract (sampling.synthetic.register_file) uploaded and imported,
a stratified sample of 1,000 drawn with a recorded seed, the field period, cover letters (which delete
the extract), simulated answers online and on paper with age-dependent non-response, two reminder
rounds, undeliverable letters, the end of the field period with the addresses deleted, raking to the
register's margins, the analyst's recommendations and the released final report. Afterwards the
timestamps the services set to "now" are moved back to a plausible timeline in spring 2026, and the
alliance's analysis phases are derived from them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from kommunalschutz.surveys.projects.models import SurveyProject

BERLIN = ZoneInfo("Europe/Berlin")
BANNEWITZ = "14628050"
TITLE = "Bürgerbefragung zur Sicherheit in Bannewitz 2026"
PRACTICE_TITLE = "Bürgerbefragung Bannewitz (Übungsprojekt)"
SAMPLE_SEED = 20260216
KICK_OFF = dt.date(2026, 2, 2)
FIELD_START, FIELD_END = dt.date(2026, 4, 13), dt.date(2026, 5, 24)
REMINDERS = (dt.date(2026, 4, 27), dt.date(2026, 5, 11))
RECOMMENDATIONS = """1. Beleuchtung: Die meisten Befragten fühlen sich tagsüber sicher; nach Einbruch der \
Dunkelheit sinkt das Sicherheitsgefühl deutlich. Prüfen Sie die Beleuchtung der Wege zu Haltestellen und am Ortskern.
2. Ordnung und Sauberkeit: Wahrgenommene Unordnung (Müll, Vandalismus, Verkehr) prägt das Sicherheitsgefühl \
stärker als die registrierte Kriminalität. Ein gemeinsamer Ortsrundgang mit Bürgerpolizei und Ordnungsamt \
je Ortsteil wird empfohlen.
3. Präsenz: Der Gemeindliche Vollzugsdienst wird selten wahrgenommen. Feste Sprechzeiten in den Ortsteilen \
und abgestimmte Streifen mit dem Polizeirevier erhöhen die Sichtbarkeit.
4. Präventionsrat: Stellen Sie die Ergebnisse im Kommunalen Präventionsrat und in einer öffentlichen \
Veranstaltung gemeinsam mit der Polizei vor und wiederholen Sie die Befragung in drei Jahren."""


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def demo_crest(name: str) -> bytes:
    """A plain synthetic shield as PNG (not the municipality's real coat of arms)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 280), "white")
    draw = ImageDraw.Draw(image)
    shield = [(20, 20), (220, 20), (220, 150), (120, 260), (20, 150)]
    draw.polygon(shield, fill=(20, 90, 60), outline=(0, 0, 0))
    draw.rectangle([(20, 20), (220, 80)], fill=(250, 200, 40))
    draw.polygon([(120, 100), (170, 190), (70, 190)], fill=(255, 255, 255))
    draw.text((70, 45), name[:14], fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _security_analysis(municipality: Any, contractor: Any) -> Any:
    from kommunalschutz.alliance.engagements.analyses import create_security_analysis
    from kommunalschutz.alliance.engagements.models import SecurityAnalysis

    existing = SecurityAnalysis.objects.filter(
        engagement__municipality=municipality, engagement__started_on=KICK_OFF, survey_project__isnull=True).first()
    return existing or create_security_analysis(
        actor=None, title="Sicherheitsanalyse mit Bürgerbefragung 2026", started_on=KICK_OFF,
        municipality=municipality, contractor=contractor, sample_size=1000, is_synthetic=True,
        notes="Synthetischer Demo-Datensatz: die Befragung ist im Modul Befragungen vollständig durchgespielt.")


def _backdate(project: SurveyProject) -> None:
    """Move the services' "now" timestamps to the demo's timeline in spring 2026."""
    from kommunalschutz.surveys.findings.models import WeightingRun
    from kommunalschutz.surveys.projects.models import Questionnaire
    from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample, SampleMember

    SurveyProject.objects.filter(pk=project.pk).update(
        created_at=_aware(dt.date(2026, 2, 9)), reported_at=_aware(dt.date(2026, 7, 14)))
    Questionnaire.objects.filter(project=project).update(
        created_at=_aware(dt.date(2026, 2, 23)), frozen_at=_aware(FIELD_START, 8))
    RegisterExtract.objects.filter(project=project).update(
        uploaded_at=_aware(dt.date(2026, 3, 2)), imported_at=_aware(dt.date(2026, 3, 2), 11),
        deleted_at=_aware(dt.date(2026, 4, 8)))
    Sample.objects.filter(project=project).update(
        drawn_at=_aware(dt.date(2026, 3, 9)), letters_produced_at=_aware(dt.date(2026, 4, 8)),
        addresses_deleted_at=_aware(FIELD_END + dt.timedelta(days=1), 2))
    SampleMember.objects.filter(sample__project=project).exclude(letter_sent_at=None).update(
        letter_sent_at=dt.date(2026, 4, 9))
    WeightingRun.objects.filter(project=project).update(created_at=_aware(dt.date(2026, 6, 8)))


def _finished_run(municipality: Any, contractor: Any, coordinator: Any, analyst: Any) -> SurveyProject:
    from kommunalschutz.surveys.findings.precompute import compute as compute_results
    from kommunalschutz.surveys.findings.report import release_report, save_recommendations
    from kommunalschutz.surveys.findings.services import run_weighting
    from kommunalschutz.surveys.projects.builder import create_questionnaire_from_bank
    from kommunalschutz.surveys.projects.lifecycle import (
        create_project,
        end_field_period,
        set_crest,
        start_field_period,
    )
    from kommunalschutz.surveys.projects.progress import sync_phases
    from kommunalschutz.surveys.responses.simulation import simulate_answers
    from kommunalschutz.surveys.sampling.draw import draw_sample
    from kommunalschutz.surveys.sampling.letters import send_letters, send_reminders
    from kommunalschutz.surveys.sampling.minimisation import delete_addresses
    from kommunalschutz.surveys.sampling.register import import_register
    from kommunalschutz.surveys.sampling.synthetic import register_file

    project = create_project(
        actor=coordinator, municipality=municipality, title=TITLE, year=2026, reference_date=dt.date(2026, 2, 1),
        contractor=contractor, security_analysis=_security_analysis(municipality, contractor))
    SurveyProject.objects.filter(pk=project.pk).update(is_synthetic=True)
    project.refresh_from_db()
    set_crest(actor=coordinator, project=project, content=demo_crest(municipality.name))
    create_questionnaire_from_bank(actor=analyst, project=project)
    import_register(actor=coordinator, project=project, data=register_file(project),
                             file_name="Melderegister_Bannewitz_2026-02-01.csv")
    draw_sample(actor=analyst, project=project, method="stratified", size=1000, seed=SAMPLE_SEED)
    start_field_period(actor=analyst, project=project, start=FIELD_START, end=FIELD_END)
    send_letters(actor=analyst, project=project)
    project.refresh_from_db()
    # Three waves of answers: after the letters, after the first and after the second reminder.
    simulate_answers(actor=analyst, project=project, waves=(
        (FIELD_START, REMINDERS[0]), (REMINDERS[0], REMINDERS[1]), (REMINDERS[1], FIELD_END)),
        between_waves=lambda: send_reminders(actor=analyst, project=project))
    end_field_period(actor=analyst, project=project, end=FIELD_END)
    delete_addresses(actor=analyst, project=project)
    run_weighting(actor=analyst, project=project, method="rake", variables=["age_group", "sex", "locality"],
                  collapse=True)
    compute_results(project)  # at once: the demo's results page must not wait for the task worker
    save_recommendations(actor=analyst, project=project, text=RECOMMENDATIONS)
    release_report(actor=analyst, project=project)
    _backdate(project)
    project.refresh_from_db()
    sync_phases(actor=None, project=project)
    return project


def _practice_project(municipality: Any, contractor: Any, coordinator: Any, analyst: Any) -> SurveyProject:
    """A fresh project in preparation: the register file to upload is offered on its page."""
    from kommunalschutz.surveys.projects.builder import create_questionnaire_from_bank
    from kommunalschutz.surveys.projects.lifecycle import create_project, set_crest

    project = create_project(
        actor=coordinator, municipality=municipality, title=PRACTICE_TITLE, year=2027,
        reference_date=dt.date(2027, 1, 1), contractor=contractor, double_entry=True)
    SurveyProject.objects.filter(pk=project.pk).update(is_synthetic=True)
    project.refresh_from_db()
    set_crest(actor=coordinator, project=project, content=demo_crest(municipality.name))
    create_questionnaire_from_bank(actor=analyst, project=project)
    return project


def load_survey_demo() -> SurveyProject | None:
    """Load the survey demo once; returns the finished project (None if the registry lacks Bannewitz)."""
    from kommunalschutz.foundation.accounts.models import Organisation, User
    from kommunalschutz.foundation.registry.models import Municipality

    municipality = Municipality.objects.filter(ags=BANNEWITZ).first()
    if municipality is None:
        return None
    from kommunalschutz.surveys.findings import crime
    from kommunalschutz.surveys.findings.models import CrimeFigure

    if not CrimeFigure.objects.exists():
        # The discrepancy view needs the police figures (real data, shipped; `make run` imports them too).
        crime.load_bundled()
    existing = SurveyProject.objects.filter(municipality=municipality, title=TITLE, is_synthetic=True).first()
    if existing is not None:
        return existing
    contractor = Organisation.objects.filter(kind=Organisation.Kind.ANALYSIS_CONTRACTOR).order_by("pk").first()
    coordinator = User.objects.filter(username="bannewitz-koordination").first()
    analyst = User.objects.filter(username="analyse").first()
    with transaction.atomic():
        project = _finished_run(municipality, contractor, coordinator, analyst)
        _practice_project(municipality, contractor, coordinator, analyst)
    return project
