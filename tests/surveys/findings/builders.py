"""A surveyed project on factory data: a stratified sample, population figures, items and answers."""

from __future__ import annotations

from typing import Any

import numpy as np

from kommunalschutz.surveys.projects.models import AGE_GROUPS, Item, SurveyProject
from kommunalschutz.surveys.sampling.models import PopulationCell, Sample
from tests.survey_factories import (
    ItemFactory,
    QuestionnaireFactory,
    ResponseFactory,
    SampleFactory,
    SampleMemberFactory,
    SurveyProjectFactory,
)

LOCALITIES = ("Altstadt", "Copitz", "Sonnenstein")
AGES = tuple(a for a, _lo, _hi in AGE_GROUPS)
SEXES = ("m", "w")


def population(locality: str, age: str, sex: str) -> int:
    return 200 + 37 * LOCALITIES.index(locality) + 23 * AGES.index(age) + (11 if sex == "w" else 0)


def surveyed_project(*, municipality: Any, contractor: Any = None, respondents: int = 120, seed: int = 5,
                     with_population: bool = True, sexes: tuple[str, ...] = SEXES,
                     status: str = SurveyProject.Status.ANALYSIS, year: int = 2026) -> SurveyProject:
    """A project with a stratified sample; every stratum locality x age x sex has respondents."""
    rng = np.random.default_rng(seed)
    project = SurveyProjectFactory.create(municipality=municipality, contractor=contractor, status=status, year=year)
    sample = SampleFactory.create(project=project, method=Sample.Method.STRATIFIED, size=respondents * 2)
    q = QuestionnaireFactory.create(project=project, version=1)
    ItemFactory.create(questionnaire=q, position=1, code="safety_dark", bank_key="safety_dark", block="safety",
                       allow_dont_use=True)
    ItemFactory.create(questionnaire=q, position=2, code="trust_police", bank_key="trust_police", block="trust",
                       text_de="Wie groß ist Ihr Vertrauen in die Polizei?")
    ItemFactory.create(questionnaire=q, position=3, code="victim_theft", bank_key="victim_theft", block="victimisation",
                       kind=Item.Kind.SINGLE, text_de="Diebstahl?",
                       options=[{"code": 1, "de": "ja"}, {"code": 2, "de": "nein"}])
    ItemFactory.create(questionnaire=q, position=4, code="protect", block="behaviour", kind=Item.Kind.MULTIPLE,
                       text_de="Was tun Sie?", options=[{"code": 1, "de": "Licht"}, {"code": 2, "de": "Begleitung"},
                                                  {"code": 3, "de": "nichts"}])
    ItemFactory.create(questionnaire=q, position=5, code="years", block="life", kind=Item.Kind.NUMBER,
                       text_de="Seit wie vielen Jahren wohnen Sie hier?", options=[], minimum=0, maximum=99)
    ItemFactory.create(questionnaire=q, position=6, code="remarks", block="life", kind=Item.Kind.TEXT,
                       text_de="Anmerkungen", options=[])
    cells = [(loc, age, sex) for loc in LOCALITIES for age in AGES for sex in sexes]
    if with_population:
        for loc, age, sex in cells:
            PopulationCell.objects.create(project=project, source=PopulationCell.Source.REGISTER, locality=loc,
                                          age_group=age, sex=sex, count=population(loc, age, sex))
    for i in range(respondents):
        loc, age, sex = cells[i % len(cells)] if i < 2 * len(cells) else cells[int(rng.integers(len(cells)))]
        member = SampleMemberFactory.create(sample=sample, locality=loc, age_group=age, sex=sex,
                                            design_weight=float(population(loc, age, sex)) / 4.0)
        answers: dict[str, Any] = {
            "safety_dark": int(rng.choice([1, 2, 3, 4, 5, 8, 9], p=[.2, .3, .2, .15, .1, .03, .02])),
            "trust_police": int(rng.integers(1, 6)),
            "victim_theft": int(rng.choice([1, 2], p=[.15, .85])),
            "protect": [int(c) for c in (1, 2, 3) if rng.random() < 0.4],
            "years": int(rng.integers(0, 60)),
            "remarks": "Zu dunkel am Bahnhof",
        }
        if i % 17 == 3:
            del answers["trust_police"]
        ResponseFactory.create(member=member, project=project, questionnaire=q, answers=answers)
    return project
