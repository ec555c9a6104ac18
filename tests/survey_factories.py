"""Factories for survey records (projects, questionnaires, samples, responses), shared by the survey tests."""

from __future__ import annotations

import datetime as dt

import factory

from kommunalschutz.surveys.projects.models import Item, Questionnaire, SurveyProject
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling import codes
from kommunalschutz.surveys.sampling.models import Sample, SampleMember
from tests.factories import MunicipalityFactory


class SurveyProjectFactory(factory.django.DjangoModelFactory[SurveyProject]):
    class Meta:
        model = SurveyProject

    municipality = factory.SubFactory(MunicipalityFactory)
    title = factory.Sequence(lambda n: f"Bürgerbefragung {n}")
    year = 2026
    reference_date = dt.date(2026, 1, 1)


class QuestionnaireFactory(factory.django.DjangoModelFactory[Questionnaire]):
    class Meta:
        model = Questionnaire

    project = factory.SubFactory(SurveyProjectFactory)
    version = factory.Sequence(lambda n: n + 1)
    title_de = "Sicherheit in unserer Gemeinde"
    title_en = "Safety in our municipality"


class ItemFactory(factory.django.DjangoModelFactory[Item]):
    """A 5-point safety scale by default."""

    class Meta:
        model = Item

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    position = factory.Sequence(lambda n: n + 1)
    block = "safety"
    code = factory.Sequence(lambda n: f"q{n + 1}")
    kind = Item.Kind.SCALE
    text_de = "Wie sicher fühlen Sie sich nachts allein zu Fuß in Ihrer Wohngegend?"
    text_en = "How safe do you feel walking alone in your area after dark?"
    options = factory.LazyFunction(lambda: [
        {"code": 1, "de": "sehr sicher", "en": "very safe"},
        {"code": 2, "de": "eher sicher", "en": "fairly safe"},
        {"code": 3, "de": "teils/teils", "en": "neither"},
        {"code": 4, "de": "eher unsicher", "en": "fairly unsafe"},
        {"code": 5, "de": "sehr unsicher", "en": "very unsafe"},
    ])
    allow_dont_know = True


class SampleFactory(factory.django.DjangoModelFactory[Sample]):
    class Meta:
        model = Sample

    project = factory.SubFactory(SurveyProjectFactory)
    method = Sample.Method.STRATIFIED
    size = 10
    seed = 20260101
    population_size = 1000


class SampleMemberFactory(factory.django.DjangoModelFactory[SampleMember]):
    """A member with a known access code: ``member.access_code`` (the digest matches it)."""

    class Meta:
        model = SampleMember

    sample = factory.SubFactory(SampleFactory)
    number = factory.Sequence(lambda n: n + 1)
    locality = "Kernstadt"
    age_group = "35-44"
    sex = "w"
    design_weight = 100.0
    status = SampleMember.Status.SENT
    family_name = "Muster"
    given_names = "Erika"
    street = "Hauptstraße 1"
    postcode = "01705"
    city = "Musterstadt"
    access_code = factory.LazyFunction(codes.new_code)
    code_digest = factory.LazyAttribute(lambda member: codes.digest(member.access_code))


class ResponseFactory(factory.django.DjangoModelFactory[Response]):
    class Meta:
        model = Response

    member = factory.SubFactory(SampleMemberFactory)
    project = factory.LazyAttribute(lambda response: response.member.sample.project)
    questionnaire = factory.SubFactory(QuestionnaireFactory, project=factory.SelfAttribute("..project"))
    channel = Response.Channel.ONLINE
    status = Response.Status.SUBMITTED
    answers = factory.LazyFunction(dict)
