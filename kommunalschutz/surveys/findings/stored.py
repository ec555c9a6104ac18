"""Results computed once in the background and read by the results page (decision 0024).

Estimating every item of a survey for the whole municipality and three domain splits, and drawing a
chart per item, takes seconds to tens of seconds on the demo survey; the results page must answer in
under a second. So the estimates, the charts and the key indicators are computed by a background
operation (``RESULTS_OPERATION``) and stored as :class:`StoredResults`, one row per domain split:

- when a weighting run is made (``services.run_weighting`` queues it), on the run's respondents and
  weights, which never change: the basis ``v1:run:<id>``;
- before any weighting, on the design weights, when someone asks for it on the page: the basis then
  names the submitted answers (``v1:design:<count>:<last id>:<last submission>``), so a new answer makes
  the stored results stale and the page offers to compute them again.

The page reads the basis of the project's current state (two small queries) and the stored row for it;
it never estimates. A new weighting run gives a new basis: the page shows the computation's progress
until its results are stored. ``VERSION`` is part of every basis: raise it when the estimates or the
charts change, and every project's results are computed anew.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.surveys.findings import results, selectors
from kommunalschutz.surveys.findings.models import StoredResults, WeightingRun
from kommunalschutz.surveys.projects.models import SurveyProject

RESULTS_OPERATION = "findings.results"  # run by findings.precompute
VERSION = "v1"
SPLITS: tuple[str, ...] = ("", *results.DOMAIN_VARIABLES)
_FLOATS = ("estimate", "se", "ci_lower", "ci_upper")


def basis(project: SurveyProject, run: WeightingRun | None) -> str:
    """What the results of the project's current state rest on (see the module's docstring)."""
    if run is not None:
        return f"{VERSION}:run:{run.pk}"
    found = selectors.submitted_responses(project).order_by().aggregate(
        last=Max("pk"), submitted=Max("submitted_at"))
    count = selectors.submitted_responses(project).count()
    stamp = found["submitted"].isoformat() if found["submitted"] else "-"
    return f"{VERSION}:design:{count}:{found['last'] or 0}:{stamp}"


def encode(value: Any) -> Any:
    # JSON (and PostgreSQL's jsonb) has no NaN or infinity: such a number is stored as its name.
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _decode(value: Any) -> Any:
    return float(value) if isinstance(value, str) else value


def row_dict(row: results.Row) -> dict[str, Any]:
    return {key: encode(value) for key, value in row.as_dict().items()}


def rows_of(stored: StoredResults) -> list[results.Row]:
    out = []
    for data in stored.rows:
        values = dict(data)
        for key in (*_FLOATS, "unweighted_share"):
            values[key] = _decode(values.get(key))
        out.append(results.Row(**values))
    return out


def indicators_of(data: dict[str, Any]) -> dict[str, results.Indicator | None]:
    out: dict[str, results.Indicator | None] = {}
    for key, value in data.items():
        out[key] = None if value is None else results.Indicator(
            **{k: _decode(v) if k in _FLOATS else v for k, v in value.items()})
    return out


def find(project: SurveyProject, basis_: str, by: str) -> StoredResults | None:
    return StoredResults.objects.filter(project=project, basis=basis_, by=by).first()


def stored_indicators(project: SurveyProject, basis_: str) -> dict[str, results.Indicator | None] | None:
    found = (StoredResults.objects.filter(project=project, basis=basis_, by="")
             .values_list("indicators", flat=True).first())
    return None if found is None else indicators_of(found)


def current_indicators(project: SurveyProject) -> dict[str, results.Indicator | None]:
    """Key indicators of another project's current weighting (comparison columns): stored ones when
    there are, else those of results.current_key_indicators (computed once per run, then cached)."""
    run = selectors.current_run(project)
    found = stored_indicators(project, basis(project, run)) if run is not None else None
    return found if found is not None else results.current_key_indicators(project)


def task_for(project: SurveyProject, basis_: str) -> TaskRun | None:
    """The newest computation queued for this basis (to show its progress), if any."""
    from kommunalschutz.foundation.core.services import recover_if_stale

    found = (TaskRun.objects.filter(kind=RESULTS_OPERATION, result__arguments__project_id=project.pk,
                                    result__arguments__basis=basis_).order_by("-created_at", "-pk").first())
    # A computation whose worker died is queued again or shown as failed, never as running for ever.
    return None if found is None else recover_if_stale(found)


def start(*, actor: Actor | None, project: SurveyProject, run: WeightingRun | None = None) -> TaskRun | None:
    """Queue the computation of the results of the project's current state (``run`` or the design
    weights); nothing is queued when they are stored already or being computed. Returns the task."""
    from kommunalschutz.foundation.core.services import start_operation

    basis_ = basis(project, run)
    if StoredResults.objects.filter(project=project, basis=basis_).count() == len(SPLITS):
        return None
    pending = task_for(project, basis_)
    if pending is not None and not pending.finished:
        return pending
    label = _("Results of the survey: %(title)s") % {"title": project.title}
    return start_operation(actor=actor, kind=RESULTS_OPERATION, label=label[:200],
                           arguments={"project_id": project.pk, "basis": basis_})
