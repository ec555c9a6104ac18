"""Writes of the findings app: weighting runs (one door, transactional and audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, raise_if_errors
from kommunalschutz.surveys.findings import calibration, selectors, stored
from kommunalschutz.surveys.findings.models import WeightingRun
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases


def run_weighting(*, actor: Actor, project: SurveyProject, method: str, variables: list[str],
                  trim_lower: float | None = None, trim_upper: float | None = None,
                  trim_mode: str = "relative", collapse: bool = False) -> WeightingRun:
    """Weight the project's submitted responses and make the run current (earlier runs are kept, not current).

    ``method``: "design" | "poststratify" | "rake"; ``variables``: among "age_group", "sex", "locality";
    trimming bounds as multiples of the mean weight (``trim_mode="relative"``) or absolute; ``collapse``
    merges thin categories (see findings.calibration). Raises ValidationError with German messages per
    field (method, variables, trim_lower, trim_upper, trim_mode, __all__) and writes nothing then.
    """
    with transaction.atomic():
        # One weighting at a time per project: the lock orders concurrent runs.
        project = SurveyProject.objects.select_for_update().get(pk=project.pk)
        responses = list(selectors.submitted_responses(project))
        respondents = [selectors.respondent(r) for r in responses]
        source, population = selectors.population(project)
        try:
            result = calibration.weight(
                respondents, stratified=selectors.is_stratified(project), method=method,
                variables=list(variables), population=population, collapse=collapse,
                trim_lower=trim_lower, trim_upper=trim_upper, trim_mode=trim_mode)
        except calibration.CalibrationError as exc:
            errors: Errors = {k: list(v) for k, v in exc.errors.items()}
            raise_if_errors(errors)
            raise  # pragma: no cover - CalibrationError always carries messages
        result.diagnostics["margin_source"] = source
        previous = list(WeightingRun.objects.filter(project=project, is_current=True))
        for old in previous:
            before = audit.snapshot(old, ["is_current"])
            old.is_current = False
            old.save(update_fields=["is_current"])
            audit.record_update(actor=actor, obj=old, before=before, summary=_("superseded by a new weighting"))
        run = WeightingRun.objects.create(
            project=project, method=method, variables=list(variables) if method != "design" else [],
            margin_source=source, trim_lower=trim_lower, trim_upper=trim_upper,
            weights={str(r.response_id): float(w) for r, w in zip(respondents, result.weights, strict=True)},
            diagnostics=result.diagnostics, is_current=True, created_by=actor,
        )
        audit.record(actor=actor, action="create", obj=run, changes={
            "method": {"old": None, "new": method}, "variables": {"old": None, "new": run.variables},
            "trim_lower": {"old": None, "new": trim_lower}, "trim_upper": {"old": None, "new": trim_upper},
            "respondents": {"old": None, "new": len(respondents)},
        }, summary=_("weighting of %(n)s responses") % {"n": len(respondents)})
        sync_phases(actor=actor, project=project)
        # The results page reads stored estimates: compute them for this run in the background (queued
        # when this transaction commits; decision 0024).
        stored.start(actor=actor, project=project, run=run)
    return run


def export_microdata(*, actor: Actor, project: SurveyProject) -> tuple[list[str], list[list[Any]]]:
    """The anonymised microdata (findings.microdata: no combination of the exported demographics with fewer
    than 5 respondents), audited with its size and what the protection changed. Refused under 5 responses."""
    from kommunalschutz.surveys.findings import microdata, results

    data = results.load(project)
    if len(data.respondents) < microdata.K:
        raise_if_errors({"__all__": [_("Fewer than 5 responses: no anonymised microdata can be exported.")]})
    weights = (data.design.weights.tolist() if data.design is not None
               else [r.design_weight for r in data.respondents])
    header, rows, summary = microdata.build(selectors.items(project), data.respondents, data.answers, weights)
    audit.record(actor=actor, action="other", obj=project, summary=_("anonymised microdata exported"),
                 changes={"microdata_export": {"old": None, "new": {"rows": len(rows), **summary}}})
    return header, rows
