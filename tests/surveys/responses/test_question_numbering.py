"""Question numbers as the respondent sees them: 1, 2, 3 … without gaps where filtered follow-ups are hidden;
a follow-up carries the number before it and a letter (3a). Online, on paper entry and in the PDF alike."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.surveys.projects import logic, presentation
from kommunalschutz.surveys.responses.validation import validate_answers
from tests.surveys.responses.conftest import Survey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle")]

# The fixture: victim (3) filters "reported" (same page) and "enforce_help" (placed after "protect", 4).
EXPECTED = {"life": "1", "safe_night": "2", "victim": "3", "reported": "3a", "protect": "4",
            "enforce_help": "4a", "persons": "5", "comment": "6"}


def _items(survey: Survey) -> list:  # type: ignore[type-arg]
    return list(survey.questionnaire.items.order_by("position"))


def test_follow_ups_take_a_letter_and_the_rest_count_on(survey: Survey) -> None:
    assert logic.question_numbers(_items(survey)) == EXPECTED


def test_letters_go_on_after_z() -> None:
    class Item:
        def __init__(self, code: str, show_if: dict[str, object] | None) -> None:
            self.code, self.show_if = code, show_if

    items = [Item("q", None)] + [Item(f"f{n}", {"item": "q", "values": [1]}) for n in range(28)] + [Item("r", None)]
    numbers = logic.question_numbers(items)
    assert [numbers["f0"], numbers["f25"], numbers["f26"], numbers["f27"], numbers["r"]] == [
        "1a", "1z", "1aa", "1ab", "2"]


def _shown_numbers(client: Client, pages: int) -> list[str]:
    shown = []
    for number in range(1, pages + 1):
        body = client.get(reverse("responses:page", args=[number])).content.decode()
        shown += re.findall(r'<span class="question-number">([0-9a-z]+)\.</span>', body)
    return shown


def test_online_numbers_have_no_gaps_when_follow_ups_are_hidden(client: Client, survey: Survey) -> None:
    client.post(reverse("responses:start"), {"code": survey.members[0].access_code})
    client.post(reverse("responses:page", args=[1]), {"life": "1"})
    client.post(reverse("responses:page", args=[2]), {"safe_night": "2"})
    client.post(reverse("responses:page", args=[3]), {"victim": "2"})  # no: the enforcement page goes
    shown = _shown_numbers(client, 5)
    # "reported" stays on the victim's page (the page cannot know the answer before it is sent).
    assert shown == ["1", "2", "3", "3a", "4", "5", "6"]
    main = [int(number) for number in shown if number.isdigit()]
    assert main == list(range(1, len(main) + 1))


def test_online_numbers_with_the_follow_ups_shown(client: Client, survey: Survey) -> None:
    client.post(reverse("responses:start"), {"code": survey.members[1].access_code})
    client.post(reverse("responses:page", args=[3]), {"victim": "1"})
    assert _shown_numbers(client, 6) == ["1", "2", "3", "3a", "4", "4a", "5", "6"]
    condition = client.get(reverse("responses:page", args=[5])).content.decode()
    assert "Frage 3 es vorsieht" in condition  # the follow-up names its source by the shown number


def test_error_messages_and_paper_labels_use_the_same_numbers(survey: Survey) -> None:
    errors = validate_answers(survey.questionnaire, {"victim": 2, "reported": 1}, partial=True)
    assert "Frage 3a muss leer bleiben" in str(errors["reported"][0])
    from kommunalschutz.surveys.responses.forms import PaperForm

    labels = [str(field.label) for name, field in PaperForm(items=_items(survey)).fields.items() if name != "number"]
    assert labels == [f"Frage {number}" for number in EXPECTED.values()]


def test_the_printed_form_numbers_like_the_online_one(survey: Survey) -> None:
    numbered = presentation.numbered_items(_items(survey))
    assert [entry.label for entry in numbered] == list(EXPECTED.values())
    enforcement = next(entry for entry in numbered if entry.item.code == "enforce_help")
    assert any("bei Frage 3 " in note for note in enforcement.notes)
