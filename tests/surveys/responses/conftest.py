"""A survey project in the field with a frozen questionnaire holding items of every kind, built here
(not from the item bank): the responses tests depend on nothing but the contract models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from kommunalschutz.surveys.projects.models import Item, Questionnaire, SurveyProject
from kommunalschutz.surveys.sampling.models import Sample, SampleMember
from tests.conftest import World
from tests.survey_factories import (
    ItemFactory,
    QuestionnaireFactory,
    SampleFactory,
    SampleMemberFactory,
    SurveyProjectFactory,
)

YES_NO = [{"code": 1, "de": "ja", "en": "yes"}, {"code": 2, "de": "nein", "en": "no"}]
MEASURES = [
    {"code": 1, "de": "Tür zusätzlich gesichert", "en": "extra door lock"},
    {"code": 2, "de": "Licht mit Bewegungsmelder", "en": "motion-sensor light"},
    {"code": 3, "de": "Pfefferspray", "en": "pepper spray"},
    {"code": 4, "de": "nichts davon", "en": "none of these"},
]


@dataclass
class Survey:
    project: SurveyProject
    questionnaire: Questionnaire
    sample: Sample
    members: list[SampleMember]
    items: dict[str, Item]


def build_questionnaire(project: SurveyProject, *, version: int = 1, frozen: bool = True) -> Questionnaire:
    questionnaire = QuestionnaireFactory.create(project=project, version=version,
                                                frozen_at=timezone.now() if frozen else None,
                                                intro_de="Vielen Dank, dass Sie teilnehmen.")
    ItemFactory.create(questionnaire=questionnaire, position=1, block="life", code="life",
                       text_de="Wie gern leben Sie in Ihrer Gemeinde?", text_en="How much do you like living here?")
    ItemFactory.create(questionnaire=questionnaire, position=2, block="safety", code="safe_night", required=True,
                       allow_dont_use=True, allow_dont_know=True)
    ItemFactory.create(questionnaire=questionnaire, position=3, block="victimisation", code="victim",
                       kind=Item.Kind.SINGLE,
                       text_de="Wurden Sie in den letzten 12 Monaten Opfer einer Straftat?",
                text_en="Were you a victim of a crime in the last 12 months?", options=YES_NO, allow_dont_know=False)
    ItemFactory.create(questionnaire=questionnaire, position=4, block="victimisation", code="reported",
                       kind=Item.Kind.SINGLE,
                       text_de="Haben Sie die Tat angezeigt?", text_en="Did you report it?", options=YES_NO,
                       allow_dont_know=False, show_if={"item": "victim", "values": [1]})
    ItemFactory.create(questionnaire=questionnaire, position=5, block="behaviour", code="protect",
                       kind=Item.Kind.MULTIPLE,
                text_de="Was haben Sie zu Ihrem Schutz getan?", text_en="What have you done to protect yourself?",
                       options=MEASURES, allow_dont_know=False)
    ItemFactory.create(questionnaire=questionnaire, position=6, block="enforcement", code="enforce_help",
                       text_de="Hat Ihnen der Gemeindevollzugsdienst nach der Tat geholfen?",
                       text_en="Did the municipal enforcement service help you after the crime?",
                       show_if={"item": "victim", "values": [1]})
    ItemFactory.create(questionnaire=questionnaire, position=7, block="demographics", code="persons",
                       kind=Item.Kind.NUMBER,
                       text_de="Wie viele Personen leben in Ihrem Haushalt?",
                       text_en="How many people live in your household?",
                       options=[], allow_dont_know=False, minimum=1, maximum=20)
    ItemFactory.create(questionnaire=questionnaire, position=8, block="demographics", code="comment",
                       kind=Item.Kind.TEXT,
                       text_de="Was möchten Sie uns noch mitteilen?", text_en="Anything else you want to tell us?",
                       options=[], allow_dont_know=False)
    return questionnaire


def build_survey(world: World, *, double_entry: bool = True, status: str = SurveyProject.Status.FIELD,
                 members: int = 5) -> Survey:
    today = timezone.localdate()
    project = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor, status=status,
                                   field_start=today - dt.timedelta(days=5), field_end=today + dt.timedelta(days=20),
                                          double_entry=double_entry, title="Bürgerbefragung Pirna 2026")
    questionnaire = build_questionnaire(project)
    sample = SampleFactory.create(project=project, size=members)
    people = [SampleMemberFactory.create(sample=sample, number=number) for number in range(1, members + 1)]
    return Survey(project=project, questionnaire=questionnaire, sample=sample, members=people,
                  items={item.code: item for item in questionnaire.items.all()})


@pytest.fixture
def survey(world: World) -> Survey:
    return build_survey(world)


@pytest.fixture
def fresh_throttle(db: None) -> Any:
    """Code attempts are counted in the cache; every test starts with a clean count."""
    cache.clear()
    yield
    cache.clear()
