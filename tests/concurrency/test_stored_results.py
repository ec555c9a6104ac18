"""Two workers storing the survey results of the same basis at the same moment (decision 0024): one row per
project, basis and split, no IntegrityError, and the numbers are those of the basis. First the storing step
itself with eight writers released together (the collision on the unique key every time), then the whole
background computation twice at once, as two Huey workers would run it."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.surveys.findings import precompute, stored
from kommunalschutz.surveys.findings.models import StoredResults
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.concurrency.conftest import results, run_together
from tests.conftest import World
from tests.surveys.findings.builders import surveyed_project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project(world: World) -> SurveyProject:
    return surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)


def test_eight_writers_storing_one_split_leave_one_row(project: SurveyProject) -> None:
    basis = stored.basis(project, None)

    rows = results(run_together(lambda i: precompute.store(
        project, basis, "", run=None, rows=[{"item": "life", "writer": i}], charts={"k": f"<svg>{i}</svg>"},
        indicators={}).pk))

    assert len(set(rows)) == 1
    only = StoredResults.objects.get(project=project, basis=basis)
    assert only.pk == rows[0] and only.rows[0]["item"] == "life"
    assert only.charts == {"k": f"<svg>{only.rows[0]['writer']}</svg>"}  # one writer's whole row, not a mix


def test_two_workers_computing_the_same_basis_store_each_split_once(project: SurveyProject) -> None:
    basis = stored.basis(project, None)
    alone = project.pk

    counts: list[Any] = results(run_together(
        lambda _i: precompute.compute(SurveyProject.objects.get(pk=alone), basis), writers=2))

    assert len(counts) == 2
    current = StoredResults.objects.filter(project=project, basis=basis)
    assert sorted(current.values_list("by", flat=True)) == sorted(stored.SPLITS)
    assert all(row.rows for row in current)
