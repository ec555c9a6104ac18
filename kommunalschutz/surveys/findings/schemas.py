"""API schemas of the findings."""

from __future__ import annotations

from ninja import Schema


class EstimateOut(Schema):
    variable: str
    question: str
    block: str
    item_kind: str
    kind: str
    domain_variable: str
    domain: str
    category: str
    category_label: str
    estimate: float | None
    se: float | None
    ci_lower: float | None
    ci_upper: float | None
    n: int
    suppressed: bool


class EstimatesOut(Schema):
    project: int
    weighting_run: int | None
    method: str
    min_cell: int
    estimates: list[EstimateOut]

