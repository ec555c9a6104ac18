"""Random designs (hypothesis) against R: each example batches several designs into one Rscript call."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.surveys.projects.rsurvey import Case, assert_agrees

CATS = ["a", "b", "c"]


def _case(k: int, seed: int, n: int, nstrata: int, psus: int, use_fpc: bool, use_weights: bool, calib: str) -> Case:
    rng = np.random.default_rng(seed)
    domains = ("x", "y")
    cols: dict[str, list[Any]] = {
        "y": [round(float(v), 4) for v in rng.normal(50, 15, n)],
        "f": [CATS[i] for i in rng.integers(0, 3, n)],
        "d": [domains[i] for i in rng.integers(0, 2, n)],
        "w": [round(float(v), 3) for v in rng.uniform(0.3, 6.0, n)],
        "age": [("young", "old")[i] for i in rng.integers(0, 2, n)],
        "sex": [("f", "m")[i] for i in rng.integers(0, 2, n)],
    }
    # every domain holds every category (R's glm diverges for a proportion of 0 or 1)
    for i, (d, f) in enumerate((d, f) for d in domains for f in CATS):
        cols["d"][i], cols["f"][i] = d, f
    for v in ("age", "sex"):
        cols[v][:2] = ["young", "old"] if v == "age" else ["f", "m"]
    cols["s"] = [f"h{i % nstrata}" for i in range(n)]
    cluster = ""
    fpc_col = ""
    if psus:
        cols["cl"] = [f"p{(i // nstrata) % psus}" for i in range(n)]
        cluster = "cl"
        cols["Np"] = [psus + 3 * (i % nstrata) + 1 for i in range(n)]
        fpc_col = "Np" if use_fpc else ""
    else:
        cols["Np"] = [n * 10 + 7 * (i % nstrata) for i in range(n)]
        fpc_col = "Np" if use_fpc else ""
    case = Case(f"random{k}", cols, numeric=["y"], factor=["f"], strata="s", cluster=cluster, fpc=fpc_col,
                weight="w" if use_weights or calib != "none" else "", by="d", calib=calib)
    if calib == "poststrat":
        cells = sorted({(a, s) for a, s in zip(cols["age"], cols["sex"], strict=True)})
        case.margins = [(("age", "sex"), {c: 100.0 + 37 * j for j, c in enumerate(cells)})]
    elif calib == "rake":
        case.margins = [(("age",), {("old",): 480.0, ("young",): 520.0}), (("sex",), {("f",): 510.0, ("m",): 490.0})]
    return case


design_params = st.tuples(
    st.integers(0, 2**31),
    st.integers(30, 80),
    st.integers(1, 3),
    st.sampled_from([0, 2, 4]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["none", "poststrat", "rake"]),
)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          phases=[Phase.explicit, Phase.generate])  # no shrinking: each example starts R
@given(st.lists(design_params, min_size=4, max_size=6))
def test_random_designs_agree_with_r(params: list[tuple[int, int, int, int, bool, bool, str]]) -> None:
    cases = [_case(k, *p) for k, p in enumerate(params)]
    assert assert_agrees(cases) > 40 * len(cases)
