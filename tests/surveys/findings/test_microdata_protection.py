"""Small-cell protection of the microdata export: every combination of the exported demographics has at
least 5 respondents, whatever the data (hypothesis), and the steps run in the documented order."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommunalschutz.surveys.findings import microdata

AGES = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
demographics = st.fixed_dictionaries({
    "age_group": st.sampled_from(AGES), "sex": st.sampled_from(["m", "w", "d"]),
    "locality": st.sampled_from(["Altstadt", "Copitz", "Zehista", "Liebethal", "Graupa", "Krietzschwitz"]),
})


@settings(max_examples=300, deadline=None)
@given(st.lists(demographics, min_size=5, max_size=300))
def test_every_combination_has_at_least_five(rows: list[dict[str, str]]) -> None:
    protected, _summary = microdata.protect(rows)
    assert len(protected) == len(rows)
    counts = Counter(tuple(r[v] for v in microdata.DEMOGRAPHICS) for r in protected)
    assert min(counts.values()) >= microdata.K
    # Only coarsened or suppressed, never changed into something else.
    for before, after in zip(rows, protected, strict=True):
        assert after["sex"] in (before["sex"], "")
        assert after["locality"] in (before["locality"], "übrige Ortsteile", "")
        assert after["age_group"] in (before["age_group"], microdata.BROAD_AGE[before["age_group"]], "")


def test_rare_localities_are_merged_first_then_age_bands() -> None:
    rows = ([{"age_group": "35-44", "sex": "w", "locality": "Altstadt"}] * 30
            + [{"age_group": "35-44", "sex": "w", "locality": "Zehista"}] * 3
            + [{"age_group": "35-44", "sex": "w", "locality": "Graupa"}] * 2)
    protected, summary = microdata.protect(rows)
    assert summary["localities_merged"] == ["Graupa", "Zehista"] and summary["age_bands"] is False
    assert Counter(r["locality"] for r in protected) == {"Altstadt": 30, "übrige Ortsteile": 5}
    rows = ([{"age_group": "35-44", "sex": "w", "locality": "Altstadt"}] * 30
            + [{"age_group": "45-54", "sex": "w", "locality": "Altstadt"}] * 2)
    protected, summary = microdata.protect(rows)
    assert summary["age_bands"] is True and {r["age_group"] for r in protected} == {"35-54"}
    assert summary["suppressed_values"] == 0


def test_fewer_than_five_respondents_give_no_export() -> None:
    with pytest.raises(ValueError, match="fewer than 5"):
        microdata.protect([{"age_group": "75+", "sex": "d", "locality": "Graupa"}] * 4)
