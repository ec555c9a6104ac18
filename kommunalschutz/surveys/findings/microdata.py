"""The anonymised microdata export: one row per submitted response, small-cell protected.

No combination of the exported demographics (age group, sex, locality) may have fewer than K = 5
respondents. In this order (docs/surveys/weighting-and-results.md):
1. localities with fewer than LOCALITY_MINIMUM respondents are merged into "übrige Ortsteile";
2. if a combination is still too small, the age groups become broad bands (16-34, 35-54, 55+);
3. the values of the remaining too-small combinations are suppressed ("" in the file), first sex, then
   locality, then age group; if the group of fully suppressed rows is itself too small, the smallest
   other combinations are suppressed completely until it is not.
Groups only ever merge, so the loop ends; with fewer than K respondents in all there is no export.
The "Lfd. Nr." and any id are not exported, text answers are removed, the rows are shuffled.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from kommunalschutz.surveys.findings.calibration import OTHER_LOCALITIES

K = 5
LOCALITY_MINIMUM = 4 * K
DEMOGRAPHICS = ("age_group", "sex", "locality")
SUPPRESSION_ORDER = ("sex", "locality", "age_group")
BROAD_AGE = {"16-24": "16-34", "25-34": "16-34", "35-44": "35-54", "45-54": "35-54",
             "55-64": "55+", "65-74": "55+", "75+": "55+"}

Demo = dict[str, str]


def _key(row: Demo) -> tuple[str, ...]:
    return tuple(row[v] for v in DEMOGRAPHICS)


def _small(rows: list[Demo]) -> set[tuple[str, ...]]:
    counts = Counter(_key(r) for r in rows)
    return {k for k, n in counts.items() if n < K}


def protect(rows: list[Demo]) -> tuple[list[Demo], dict[str, Any]]:
    """The demographics of each row, coarsened/suppressed so every combination has >= K rows.

    Returns new dicts (in the same order) and a summary of what was done."""
    if len(rows) < K:
        raise ValueError(f"fewer than {K} respondents: no microdata can be exported")
    out = [{v: str(r.get(v, "")) for v in DEMOGRAPHICS} for r in rows]
    summary: dict[str, Any] = {"localities_merged": [], "age_bands": False, "suppressed_values": 0}
    localities = Counter(r["locality"] for r in out)
    rare = sorted(loc for loc, n in localities.items() if n < LOCALITY_MINIMUM)
    if rare and _small(out):
        for r in out:
            if r["locality"] in rare:
                r["locality"] = str(OTHER_LOCALITIES)
        summary["localities_merged"] = rare
    if _small(out):
        for r in out:
            r["age_group"] = BROAD_AGE.get(r["age_group"], r["age_group"])
        summary["age_bands"] = True
    while True:
        small = _small(out)
        if not small:
            break
        progressed = False
        for r in out:
            if _key(r) in small:
                for v in SUPPRESSION_ORDER:
                    if r[v] != "":
                        r[v] = ""
                        summary["suppressed_values"] += 1
                        progressed = True
                        break
        if progressed:
            continue
        # Only the fully suppressed group is too small: add the smallest other combination to it.
        counts = Counter(_key(r) for r in out)
        empty = ("",) * len(DEMOGRAPHICS)
        smallest = min((k for k in counts if k != empty), key=lambda k: (counts[k], k))
        for r in out:
            if _key(r) == smallest:
                for v in DEMOGRAPHICS:
                    if r[v] != "":
                        r[v] = ""
                        summary["suppressed_values"] += 1
    return out, summary


def build(items: list[Any], respondents: list[Any], answers: list[dict[str, Any]], weights: list[float],
          rng: random.Random | None = None) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    """Header and rows of the export. ``items`` are surveys Items (text items are left out; a multiple
    choice item gives one 0/1 column per option, named ``<code>_<option>``)."""
    columns: list[tuple[str, Any, Any]] = []
    for item in items:
        if item.kind == "text":
            continue
        if item.kind == "multiple":
            for option in item.options or []:
                columns.append((f"{item.code}_{option.get('code')}", item, option.get("code")))
        else:
            columns.append((item.code, item, None))
    demographics, summary = protect([{"age_group": r.age_group, "sex": r.sex, "locality": r.locality}
                                     for r in respondents])
    header = ["weight", *DEMOGRAPHICS, *(c[0] for c in columns)]
    rows: list[list[Any]] = []
    for demo, given, weight in zip(demographics, answers, weights, strict=True):
        row: list[Any] = [round(float(weight), 6), *(demo[v] for v in DEMOGRAPHICS)]
        for _name, item, option in columns:
            value = given.get(item.code)
            if option is not None:
                row.append("" if not isinstance(value, list) else int(any(str(x) == str(option) for x in value)))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                row.append(value)
            else:
                row.append("")
        rows.append(row)
    (rng or random.SystemRandom()).shuffle(rows)
    return header, rows, summary
