"""surveys.logic: which questions are asked given the answers, and which codes are valid (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from kommunalschutz.surveys.projects import item_bank, logic
from kommunalschutz.surveys.projects.models import Item


@dataclass
class FakeItem:
    code: str
    kind: str = Item.Kind.SINGLE
    options: list[dict[str, Any]] = field(default_factory=lambda: [{"code": 1, "de": "ja"}, {"code": 2, "de": "nein"}])
    allow_dont_use: bool = False
    allow_dont_know: bool = False
    show_if: dict[str, Any] | None = None


def _chain() -> list[FakeItem]:
    return [
        FakeItem("victim"),
        FakeItem("reported", show_if={"item": "victim", "values": [1]}),
        FakeItem("why_not", kind=Item.Kind.TEXT, options=[], show_if={"item": "reported", "values": [2]}),
        FakeItem("safety", kind=Item.Kind.SCALE, allow_dont_know=True),
        FakeItem("avoid", kind=Item.Kind.MULTIPLE, show_if={"item": "safety", "values": [4, 5]}),
    ]


@pytest.mark.parametrize(("answers", "asked"), [
    ({}, ["victim", "safety"]),
    ({"victim": 2, "reported": 2, "safety": 3}, ["victim", "safety"]),  # an answer to a skipped item is ignored
    ({"victim": 1}, ["victim", "reported", "safety"]),
    ({"victim": 1, "reported": 2}, ["victim", "reported", "why_not", "safety"]),
    ({"victim": 2, "reported": 2}, ["victim", "safety"]),  # the chain breaks at a skipped source
    ({"safety": 5}, ["victim", "safety", "avoid"]),
    ({"safety": 9}, ["victim", "safety"]),
    ({"safety": "4"}, ["victim", "safety", "avoid"]),  # paper entry may carry strings
    ({"safety": None}, ["victim", "safety"]),
])
def test_visible_items_walks_the_filters(answers: dict[str, Any], asked: list[str]) -> None:
    assert [item.code for item in logic.visible_items(_chain(), answers)] == asked


def test_allowed_values_per_kind() -> None:
    assert logic.allowed_values(FakeItem("a")) == {1, 2}
    assert logic.allowed_values(FakeItem("b", kind=Item.Kind.SCALE)) == {1, 2, 3, 4, 5}
    assert logic.allowed_values(FakeItem("c", kind=Item.Kind.SCALE, allow_dont_use=True,
                                         allow_dont_know=True)) == {1, 2, 3, 4, 5, 8, 9}
    assert logic.allowed_values(FakeItem("d", kind=Item.Kind.NUMBER, options=[])) is None
    assert logic.allowed_values(FakeItem("e", kind=Item.Kind.TEXT, options=[])) is None


def test_skip_target_jumps_over_the_whole_chain() -> None:
    items = _chain()
    target = logic.skip_target(items, 0)
    assert target is not None and target.code == "safety"
    assert logic.skip_target(items, 3) is None  # "avoid" depends on "safety" and is the last question


def test_the_standard_questionnaire_has_no_filter_problem() -> None:
    items = [FakeItem(entry.key, kind=entry.kind, options=entry.item_fields()["options"],
                      allow_dont_use=entry.allow_dont_use, allow_dont_know=entry.allow_dont_know,
                      show_if=entry.item_fields()["show_if"]) for entry in item_bank.ITEMS]
    assert [logic.filter_problems(items, n) for n in range(len(items))] == [[]] * len(items)
    asked = [i.code for i in logic.visible_items(items, {"victim_burglary": 2, "enforcement_known": 2})]
    assert "reported_burglary" not in asked and "enforcement_seen" not in asked and "safety_dark" in asked
