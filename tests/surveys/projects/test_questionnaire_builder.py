"""The questionnaire builder: the item bank, custom items, filters, validation, frozen versions, the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects import builder, item_bank, logic
from kommunalschutz.surveys.projects.models import Block, Item, Questionnaire, SurveyProject
from tests.conftest import World
from tests.survey_factories import SurveyProjectFactory

pytestmark = pytest.mark.django_db

CHOICE = [{"code": 1, "de": "ja", "en": "yes"}, {"code": 2, "de": "nein", "en": "no"}]


@pytest.fixture
def project(world: World) -> SurveyProject:
    world.pirna.localities = "Copitz, Zuschendorf, Graupa"
    world.pirna.save()
    return SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)


def _custom(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"block": Block.PLACES, "code": "market_visit", "kind": Item.Kind.SINGLE,
                              "text_de": "Besuchen Sie den Wochenmarkt?", "text_en": "Do you visit the market?",
                              "options": CHOICE}
    values.update(overrides)
    return values


def _codes(questionnaire: Questionnaire) -> list[str]:
    return list(questionnaire.items.order_by("position").values_list("code", flat=True))


# --- the bank ------------------------------------------------------------------------------------


def test_the_bank_covers_every_block_in_german_and_english() -> None:
    assert {entry.block for entry in item_bank.ITEMS} == set(Block.values)
    assert 50 <= len(item_bank.STANDARD) <= 60
    assert len(set(item_bank.STANDARD)) == len(item_bank.STANDARD)
    for entry in item_bank.ITEMS:
        assert entry.de and entry.en, entry.key
        assert all(de and en for _code, de, en in entry.options), entry.key
    safety_dark = item_bank.BY_KEY["safety_dark"]
    assert safety_dark.de == ("Wie sicher fühlen Sie sich nach Einbruch der Dunkelheit allein zu Fuß in Ihrer "
                              "Wohngegend?")
    assert safety_dark.allow_dont_use and safety_dark.allow_dont_know
    assert item_bank.BY_KEY["reported_burglary"].show_if == ("victim_burglary", (1,))
    years = item_bank.BY_KEY["years_lived"]
    assert (years.kind, years.minimum, years.maximum) == (Item.Kind.NUMBER, 0, 100)


def test_standard_questionnaire_from_the_bank_is_valid(world: World, project: SurveyProject) -> None:
    questionnaire = builder.create_questionnaire_from_bank(actor=world.analyst, project=project)
    items = list(questionnaire.items.order_by("position"))
    assert [i.code for i in items] == list(item_bank.STANDARD)
    assert questionnaire.version == 1 and not questionnaire.is_frozen
    assert all(logic.filter_problems(items, n) == [] for n in range(len(items)))
    locality = next(i for i in items if i.code == "locality")
    assert [o["de"] for o in locality.options] == ["Copitz", "Zuschendorf", "Graupa"]
    assert AuditEvent.objects.filter(object_type="surveys.questionnaire", action="create").count() == 1


def test_a_filtered_bank_item_needs_its_source_first(world: World, project: SurveyProject) -> None:
    with pytest.raises(ValidationError) as caught:
        builder.create_questionnaire_from_bank(actor=world.analyst, project=project,
                                                keys=["reported_burglary", "victim_burglary"])
    assert "keys" in caught.value.message_dict
    with pytest.raises(ValidationError):
        builder.create_questionnaire_from_bank(actor=world.analyst, project=project, keys=["no_such_item"])
    assert not Questionnaire.objects.exists()
    questionnaire = builder.create_questionnaire_from_bank(actor=world.analyst, project=project,
                                                            keys=["victim_burglary", "reported_burglary"])
    assert _codes(questionnaire) == ["victim_burglary", "reported_burglary"]


# --- custom items and validation -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["single", "multiple", "scale", "number", "text"])
def test_custom_items_of_every_kind(world: World, project: SurveyProject, kind: str) -> None:
    questionnaire = builder.create_questionnaire_from_bank(actor=world.coordinator, project=project, keys=[])
    options = {"single": CHOICE, "multiple": CHOICE,
               "scale": [{"code": c, "de": f"Stufe {c}", "en": f"level {c}"} for c in range(1, 6)]}.get(kind, [])
    extra = {"minimum": 0, "maximum": 10} if kind == "number" else {}
    item = builder.add_item(actor=world.coordinator, questionnaire=questionnaire,
                             **_custom(kind=kind, options=options, allow_dont_know=True, **extra))
    assert item.kind == kind and item.position == 1
    assert item.allow_dont_know is (kind == "scale")
    assert logic.allowed_values(item) == {"single": {1, 2}, "multiple": {1, 2}, "scale": {1, 2, 3, 4, 5, 9},
                                          "number": None, "text": None}[kind]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"code": "Market Visit"}, "code"),
    ({"code": "safety_overall"}, "code"),  # already in the questionnaire
    ({"text_de": "  "}, "text_de"),
    ({"options": [{"code": 1, "de": "ja"}, {"code": 1, "de": "nein"}]}, "options"),
    ({"options": [{"code": "a", "de": "ja"}, {"code": 2, "de": "nein"}]}, "options"),
    ({"options": [{"code": 1, "de": "ja"}]}, "options"),
    ({"kind": "scale", "options": CHOICE}, "options"),
    ({"kind": "number", "options": [], "minimum": 10, "maximum": 5}, "maximum"),
    ({"block": "nonsense"}, "block"),
])
def test_invalid_items_are_refused(world: World, project: SurveyProject, overrides: dict[str, Any],
                                   field: str) -> None:
    questionnaire = builder.create_questionnaire_from_bank(actor=world.coordinator, project=project,
                                                            keys=["safety_overall"])
    with pytest.raises(ValidationError) as caught:
        builder.add_item(actor=world.coordinator, questionnaire=questionnaire, **_custom(**overrides))
    assert field in caught.value.message_dict
    assert _codes(questionnaire) == ["safety_overall"]


@pytest.mark.parametrize(("show_if", "message"), [
    ({"item": "market_visit", "values": [1]}, "nach sich selbst"),
    ({"item": "later_one", "values": [1]}, "spätere Frage „later_one“"),
    ({"item": "unknown", "values": [1]}, "unbekannte Frage „unknown“"),
    ({"item": "safety_overall", "values": [7]}, "7"),
    ({"item": "avoidance", "values": [1]}, "Einfachauswahl oder eine Skala"),
    ({"item": "safety_overall", "values": []}, "mindestens eine Antwort"),
])
def test_invalid_filters_are_refused(world: World, project: SurveyProject, show_if: dict[str, Any],
                                     message: str) -> None:
    questionnaire = builder.create_questionnaire_from_bank(actor=world.coordinator, project=project,
                                                            keys=["safety_overall", "avoidance"])
    if show_if["item"] == "later_one":
        # A filter may not point forward: edit the first question to depend on the last.
        builder.add_item(actor=world.coordinator, questionnaire=questionnaire, **_custom(code="later_one"))
        first = questionnaire.items.get(code="safety_overall")
        with pytest.raises(ValidationError) as caught:
            builder.update_item(actor=world.coordinator, item=first, show_if={"item": "later_one", "values": [1]})
    else:
        with pytest.raises(ValidationError) as caught:
            builder.add_item(actor=world.coordinator, questionnaire=questionnaire, **_custom(show_if=show_if))
    assert "show_if" in caught.value.message_dict
    assert message in str(caught.value)
    assert not questionnaire.items.filter(code="market_visit").exists()
    assert questionnaire.items.get(code="safety_overall").show_if is None


def test_a_valid_filter_on_an_earlier_scale(world: World, project: SurveyProject) -> None:
    questionnaire = builder.create_questionnaire_from_bank(actor=world.coordinator, project=project,
                                                            keys=["safety_dark"])
    item = builder.add_item(actor=world.coordinator, questionnaire=questionnaire,
                             **_custom(code="why_unsafe", kind="text", options=[],
                                       show_if={"item": "safety_dark", "values": [4, 5]}))
    assert item.show_if == {"item": "safety_dark", "values": [4, 5]}


def test_move_up_and_down_and_no_filter_may_end_up_pointing_forward(world: World, project: SurveyProject) -> None:
    questionnaire = builder.create_questionnaire_from_bank(
        actor=world.coordinator, project=project, keys=["safety_overall", "victim_burglary", "reported_burglary"])
    first = questionnaire.items.get(code="safety_overall")
    builder.move_item(actor=world.coordinator, item=first, direction="down")
    assert _codes(questionnaire) == ["victim_burglary", "safety_overall", "reported_burglary"]
    builder.move_item(actor=world.coordinator, item=first, direction="up")
    assert _codes(questionnaire) == ["safety_overall", "victim_burglary", "reported_burglary"]
    with pytest.raises(ValidationError):
        builder.move_item(actor=world.coordinator, item=questionnaire.items.get(code="reported_burglary"),
                           direction="up")
    assert _codes(questionnaire) == ["safety_overall", "victim_burglary", "reported_burglary"]


def test_delete_refuses_a_filter_source_and_removes_others(world: World, project: SurveyProject) -> None:
    questionnaire = builder.create_questionnaire_from_bank(
        actor=world.coordinator, project=project, keys=["safety_overall", "victim_burglary", "reported_burglary"])
    with pytest.raises(ValidationError):
        builder.delete_item(actor=world.coordinator, item=questionnaire.items.get(code="victim_burglary"))
    builder.delete_item(actor=world.coordinator, item=questionnaire.items.get(code="safety_overall"))
    assert _codes(questionnaire) == ["victim_burglary", "reported_burglary"]
    assert AuditEvent.objects.filter(object_type="surveys.item", action="delete").count() == 1


def test_changing_the_codes_a_filter_relies_on_is_refused(world: World, project: SurveyProject) -> None:
    questionnaire = builder.create_questionnaire_from_bank(
        actor=world.coordinator, project=project, keys=["victim_burglary", "reported_burglary"])
    source = questionnaire.items.get(code="victim_burglary")
    with pytest.raises(ValidationError):
        builder.update_item(actor=world.coordinator, item=source, options=[
            {"code": 3, "de": "ja", "en": "yes"}, {"code": 2, "de": "nein", "en": "no"}])
    with pytest.raises(ValidationError):
        builder.update_item(actor=world.coordinator, item=source, code="victim_home")
    source.refresh_from_db()
    assert source.options[0]["code"] == 1 and source.code == "victim_burglary"


# --- frozen questionnaires and versions ----------------------------------------------------------


def test_a_frozen_questionnaire_refuses_every_edit(world: World, project: SurveyProject) -> None:
    questionnaire = builder.create_questionnaire_from_bank(
        actor=world.coordinator, project=project, keys=["safety_overall", "safety_day"])
    questionnaire.frozen_at = timezone.now()
    questionnaire.save()
    item = questionnaire.items.get(code="safety_overall")
    refusals: list[Callable[[], object]] = [
        lambda: builder.add_item(actor=world.coordinator, questionnaire=questionnaire, **_custom()),
        lambda: builder.add_bank_item(actor=world.coordinator, questionnaire=questionnaire, key="safety_dark"),
        lambda: builder.update_item(actor=world.coordinator, item=item, text_de="Anders"),
        lambda: builder.move_item(actor=world.coordinator, item=item, direction="down"),
        lambda: builder.delete_item(actor=world.coordinator, item=item),
        lambda: builder.update_questionnaire(actor=world.coordinator, questionnaire=questionnaire, title_de="Neu"),
    ]
    for refuse in refusals:
        with pytest.raises(ValidationError) as caught:
            refuse()
        assert "neue Version" in str(caught.value)
    assert _codes(questionnaire) == ["safety_overall", "safety_day"]
    assert questionnaire.items.get(code="safety_overall").text_de == item.text_de


def test_new_version_copies_a_frozen_questionnaire_as_a_draft(world: World, project: SurveyProject,
                                                              login: Any) -> None:
    questionnaire = builder.create_questionnaire_from_bank(actor=world.coordinator, project=project)
    questionnaire.frozen_at = timezone.now()
    questionnaire.save()
    response = login(world.pirna_coordinator).post(
        reverse("surveys:questionnaire_copy", args=[project.pk, questionnaire.version]))
    assert response.status_code == 302
    copy = Questionnaire.objects.get(project=project, version=2)
    assert not copy.is_frozen and _codes(copy) == _codes(questionnaire)
    original = questionnaire.items.get(code="reported_burglary")
    copied = copy.items.get(code="reported_burglary")
    assert (copied.show_if, copied.options) == (original.show_if, original.options)
    assert copied.bank_key == "reported_burglary"
    builder.update_item(actor=world.coordinator, item=copied, text_de="Haben Sie den Einbruch angezeigt?")
    assert questionnaire.items.get(code="reported_burglary").text_de == original.text_de


# --- the builder pages ---------------------------------------------------------------------------


def test_builder_pages_create_add_and_filter(world: World, project: SurveyProject, login: Any) -> None:
    client = login(world.analyst)
    response = client.post(reverse("surveys:questionnaire_new", args=[project.pk]),
                           {"start": "blocks", "blocks": ["safety", "victimisation"]})
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get(project=project)
    assert {i.block for i in questionnaire.items.all()} == {"safety", "victimisation"}
    page = client.get(reverse("surveys:questionnaire", args=[project.pk, 1]))
    assert page.status_code == 200
    html = page.content.decode()
    victim = questionnaire.items.get(code="victim_burglary")
    assert "weiter mit Frage" in html and "Nur beantworten, falls Sie bei Frage" in html
    response = client.post(reverse("surveys:item_add_bank", args=[project.pk, 1]), {"key": "trust_police"})
    assert response.status_code == 302 and questionnaire.items.filter(code="trust_police").exists()
    data = {"block": "victimisation", "code": "burglary_damage", "kind": "single",
            "text_de": "Wurde bei dem Einbruch etwas beschädigt?", "text_en": "Was anything damaged?",
            "option_0_code": "1", "option_0_de": "ja", "option_0_en": "yes",
            "option_1_code": "2", "option_1_de": "nein", "option_1_en": "no",
            "filter_item": "victim_burglary", "filter_values": "3"}
    response = client.post(reverse("surveys:item_add", args=[project.pk, 1]), data)
    assert response.status_code == 400  # code 3 is no answer of victim_burglary
    assert "3" in response.content.decode()
    response = client.post(reverse("surveys:item_add", args=[project.pk, 1]), {**data, "filter_values": "1"})
    assert response.status_code == 302
    added = questionnaire.items.get(code="burglary_damage")
    assert added.show_if == {"item": victim.code, "values": [1]}
    response = client.post(reverse("surveys:item_move", args=[project.pk, 1, added.pk]), {"direction": "up"})
    assert response.status_code == 302
    edit = client.get(reverse("surveys:item_edit", args=[project.pk, 1, added.pk]))
    assert edit.status_code == 200
    assert login(world.plauen_coordinator).get(
        reverse("surveys:questionnaire", args=[project.pk, 1])).status_code == 404
