"""A surveyed, weighted project for the report and discrepancy tests and the report benchmark.

Built with the real services where they exist (standard questionnaire from the item bank, weighting by
raking) and bulk inserts for the sample and the answers (a thousand respondents in a second or two).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from kommunalschutz.surveys.findings import services as findings_services
from kommunalschutz.surveys.projects import builder, lifecycle
from kommunalschutz.surveys.projects.models import AGE_GROUPS, Item, SurveyProject
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling import codes
from kommunalschutz.surveys.sampling.models import PopulationCell, Sample, SampleMember

LOCALITIES = ("Altstadt", "Copitz", "Sonnenstein")
AGES = tuple(a for a, _lo, _hi in AGE_GROUPS)
SEXES = ("m", "w")
# A PNG of 1 x 1 pixel: the crest.
CREST = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff5ccd5c0b0000000049454e44ae426082")


def population(locality: str, age: str, sex: str) -> int:
    return 300 + 41 * LOCALITIES.index(locality) + 29 * AGES.index(age) + (13 if sex == "w" else 0)


def _answer(rng: np.random.Generator, item: Item, insecurity: float) -> Any:
    if item.kind == Item.Kind.SCALE:
        if item.allow_dont_use and rng.random() < 0.04:
            return 8
        if item.allow_dont_know and rng.random() < 0.03:
            return 9
        return int(np.clip(round(rng.normal(2.4 + insecurity, 1.0)), 1, 5))
    codes_ = [int(o["code"]) for o in item.options or []]
    if item.kind == Item.Kind.SINGLE:
        return int(rng.choice(codes_)) if codes_ else None
    if item.kind == Item.Kind.MULTIPLE:
        return [c for c in codes_ if rng.random() < 0.3]
    if item.kind == Item.Kind.NUMBER:
        low, high = item.minimum or 0, min(item.maximum or 80, 80)
        return int(rng.integers(low, high + 1))
    return None  # free text stays empty


def surveyed_project(*, municipality: Any, contractor: Any = None, respondents: int = 120, seed: int = 7,
                     weight: bool = True, actor: Any = None) -> SurveyProject:
    """A project with the standard questionnaire, a stratified sample (twice as many letters as answers,
    3 % undeliverable), population figures, the answers, and a raking on age group, sex and locality."""
    rng = np.random.default_rng(seed)
    project = lifecycle.create_project(
        actor=actor, municipality=municipality, title=f"Bürgerbefragung {municipality.name}", year=2026,
        reference_date=dt.date(2026, 1, 1))
    SurveyProject.objects.filter(pk=project.pk).update(
        contractor=contractor, status=SurveyProject.Status.ANALYSIS, crest=CREST, crest_type="image/png",
        field_start=dt.date(2026, 3, 2), field_end=dt.date(2026, 4, 30))
    project.refresh_from_db()
    questionnaire = builder.create_questionnaire_from_bank(actor=actor, project=project)
    items = list(questionnaire.items.order_by("position"))
    cells = [(loc, age, sex) for loc in LOCALITIES for age in AGES for sex in SEXES]
    PopulationCell.objects.bulk_create([
        PopulationCell(project=project, source=PopulationCell.Source.REGISTER, locality=loc, age_group=age,
                       sex=sex, count=population(loc, age, sex)) for loc, age, sex in cells])
    letters = respondents * 2
    sample = Sample.objects.create(project=project, method=Sample.Method.STRATIFIED, size=letters, seed=20260101,
                                   population_size=sum(population(*c) for c in cells))
    members = []
    for i in range(letters):
        loc, age, sex = cells[i % len(cells)]
        if i < respondents:
            status = SampleMember.Status.ONLINE if i % 3 else SampleMember.Status.POST
        else:
            status = SampleMember.Status.UNDELIVERABLE if i % 33 == 0 else SampleMember.Status.SENT
        members.append(SampleMember(
            sample=sample, number=i + 1, locality=loc, age_group=age, sex=sex,
            design_weight=population(loc, age, sex) * len(cells) / letters, status=status,
            code_digest=codes.digest(codes.new_code()), letter_sent_at=dt.date(2026, 3, 2)))
    SampleMember.objects.bulk_create(members, batch_size=500)
    members = list(SampleMember.objects.filter(sample=sample, number__lte=respondents).order_by("number"))
    responses = []
    for member in members:
        insecurity = 0.6 * LOCALITIES.index(member.locality) / 2 + rng.normal(0, 0.3)
        answers: dict[str, Any] = {}
        for item in items:
            if item.show_if and answers.get(item.show_if["item"]) not in item.show_if["values"]:
                continue
            value = _answer(rng, item, insecurity)
            if value is not None:
                answers[item.code] = value
        responses.append(Response(
            project=project, questionnaire=questionnaire, member=member,
            channel=Response.Channel.ONLINE if member.status == SampleMember.Status.ONLINE else Response.Channel.PAPER,
            status=Response.Status.SUBMITTED, answers=answers))
    Response.objects.bulk_create(responses, batch_size=500)
    if weight:
        findings_services.run_weighting(actor=actor, project=project, method="rake",
                                        variables=["age_group", "sex", "locality"])
    return project
