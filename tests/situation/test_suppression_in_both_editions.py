"""Small cells in both editions: the public edition shows no count from 1 to k-1 and none can be worked out
by subtraction from the totals; the internal edition shows small counts only for the case team's own figures;
no municipality is named in the protection sections."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.situation import sections
from tests.conftest import World
from tests.situation.helpers import computed_report, section, table

PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def recover_by_subtraction(found: dict[str, Any]) -> dict[tuple[str, int, int], int]:
    """What an attacker learns from the totals: every suppressed entry that is the only unknown of a row,
    a column or the totals' line, solved again and again with what was learnt before."""
    rows, columns = found["rows"], found["columns"]
    known: dict[tuple[str, int, int], int | None] = {}
    for i, row in enumerate(rows):
        for j, entry in enumerate(row["cells"]):
            known[("cell", i, j)] = entry["value"] if entry and not entry["suppressed"] else None
        if row.get("total"):
            known[("row", i, 0)] = None if row["total"]["suppressed"] else row["total"]["value"]
    for j, entry in enumerate(found.get("column_totals") or []):
        if entry is not None and entry["display"] != "":
            known[("column", 0, j)] = None if entry["suppressed"] else entry["value"]
    if found.get("grand_total"):
        known[("grand", 0, 0)] = None if found["grand_total"]["suppressed"] else found["grand_total"]["value"]
    equations = []
    for i in range(len(rows)):
        if ("row", i, 0) in known:
            equations.append((("row", i, 0), [("cell", i, j) for j in range(len(columns))]))
    for j in range(len(columns)):
        if ("column", 0, j) in known:
            equations.append((("column", 0, j), [("cell", i, j) for i in range(len(rows))]))
    if ("grand", 0, 0) in known:
        equations.append((("grand", 0, 0), [("row", i, 0) for i in range(len(rows)) if ("row", i, 0) in known]))
    learnt: dict[tuple[str, int, int], int] = {}
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            unknown = [entry for entry in (total, *parts) if known.get(entry) is None and entry in known]
            if len(unknown) != 1:
                continue
            missing = unknown[0]
            if missing == total:
                value = sum(known[p] or 0 for p in parts)
            else:
                value = (known[total] or 0) - sum(known[p] or 0 for p in parts if p != missing)
            known[missing] = value
            learnt[missing] = value
            changed = True
    return learnt


def _counted_tables(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [found for found in section(content, "protection")["tables"] if found["suppressed_rule"]]


def test_the_public_edition_shows_no_small_cell_and_none_can_be_worked_out(small_counts: World) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    public = report.public
    assert public is not None and public["min_cell"] == 5
    protection = section(public, "protection")
    # Every table of the protection section counts people or incidents in the public edition.
    assert all(found["suppressed_rule"] for found in protection["tables"] if found["key"] != "police")
    for found in _counted_tables(public):
        for row in found["rows"]:
            for entry in [*row["cells"], row.get("total")]:
                if entry is None:
                    continue
                value = entry["value"]
                small = isinstance(value, int) and 0 < value < 5
                assert entry["suppressed"] or not small, (found["key"], row)
                if entry["suppressed"]:
                    assert entry["value"] is None and entry["display"] == "<5"
        learnt = recover_by_subtraction(found)
        assert all(value == 0 or value >= 5 for value in learnt.values()), (found["key"], learnt)
    channel = table(public, "channel")
    year = channel["rows"][0]
    email = next(c for (key, _label), c in zip(channel["columns"], year["cells"], strict=True) if key == "email")
    letter = next(c for (key, _label), c in zip(channel["columns"], year["cells"], strict=True) if key == "letter")
    # Three e-mails: suppressed; the seven letters too, since the total of ten is shown.
    assert email["suppressed"] and letter["suppressed"] and year["total"]["value"] == 10
    # The case team's figures are suppressed too in the public edition (three acknowledged, two measures).
    ack = table(public, "acknowledgement")["rows"][0]["cells"][3]
    assert ack["suppressed"] and ack["value"] is None
    # The stored JSON of the suppressed cells holds no number at all.
    stored = json.dumps(public)
    assert '"value": 3, "display": "3"' not in stored


def test_the_internal_edition_shows_small_counts_only_for_the_case_teams_figures(small_counts: World) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    internal = report.internal
    assert internal is not None
    for key in sections.INCIDENT_TABLES:
        found = table(internal, key)
        assert found["suppressed_rule"], key
        assert all(v == 0 or v >= 5 for v in recover_by_subtraction(found).values())
    assert table(internal, "channel")["rows"][0]["total"]["value"] == 10
    email_index = [key for key, _label in table(internal, "channel")["columns"]].index("email")
    assert table(internal, "channel")["rows"][0]["cells"][email_index]["suppressed"]
    # The acknowledged cases (3) and the measures (2) are the case team's own figures: shown.
    ack = table(internal, "acknowledgement")
    assert not ack["suppressed_rule"]
    assert ack["rows"][0]["cells"][3]["value"] == 3
    measures = table(internal, "measures")
    assert not measures["suppressed_rule"]
    assert 2 in [entry["value"] for entry in measures["rows"][0]["cells"]]


def test_no_municipality_is_named_in_the_protection_sections(small_counts: World) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    names = list(Municipality.objects.values_list("name", flat=True))
    assert names
    for content in (report.public, report.internal):
        assert content is not None
        text = json.dumps(section(content, "protection"), ensure_ascii=False)
        for name in names:
            assert name not in text
        district = table(content, "district")
        assert {row["label"] for row in district["rows"]} == {"Sächsische Schweiz-Osterzgebirge", "Vogtlandkreis"}
        assert all(len(row["key"]) < 8 for row in district["rows"])


def test_the_subtraction_attack_finds_a_cell_that_only_primary_suppression_hid() -> None:
    """The attack above is real: against a table with only the small cell hidden it recovers the 3."""
    naive = {"columns": [["letter", "Brief"], ["email", "E-Mail"]], "rows": [{
        "key": "2024", "label": "2024", "total": {"value": 10, "display": "10", "suppressed": False},
        "cells": [{"value": 7, "display": "7", "suppressed": False},
                  {"value": None, "display": "<5", "suppressed": True}],
    }], "column_totals": None, "grand_total": None}
    assert recover_by_subtraction(naive) == {("cell", 0, 1): 3}


def _alliance_tables(content: dict[str, Any]) -> list[dict[str, Any]]:
    return list(section(content, "alliance")["tables"])


def test_the_public_edition_hides_the_alliances_small_counts_too(small_counts: World) -> None:
    from kommunalschutz.alliance.programme.models import Stage
    from tests.alliance.insights.conftest import programme, step

    programme()
    for municipality in (small_counts.pirna, small_counts.plauen):
        step(municipality, Stage.MEMBER, dt.date(2024, 2, 1))
    report = computed_report(small_counts.coordinator, *PERIOD)
    assert report.public is not None and report.internal is not None
    shown_small = 0
    for found in _alliance_tables(report.internal):
        for row in found["rows"]:
            shown_small += sum(1 for entry in row["cells"]
                               if isinstance(entry["value"], int) and 0 < entry["value"] < 5)
    assert shown_small > 0  # the internal edition shows the two members as they are
    for found in _alliance_tables(report.public):
        assert found["suppressed_rule"]
        for row in found["rows"]:
            for entry in row["cells"]:
                value = entry["value"]
                assert entry["suppressed"] or not (isinstance(value, int | float) and 0 < abs(value) < 5), (
                    found["key"], row["key"], entry)
            if found["key"] in ("alliance_figures", "alliance_districts"):
                # before, end and change: any two give the third, so never exactly one is hidden
                assert sum(entry["suppressed"] for entry in row["cells"][:3]) != 1, (found["key"], row["key"])
    members = next(row for row in table(report.public, "alliance_figures")["rows"]
                   if row["key"] == "member_municipalities")
    assert members["cells"][1]["suppressed"] and members["cells"][1]["value"] is None
