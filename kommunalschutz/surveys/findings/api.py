"""REST API of the findings app (mounted under /api/v1/).

``GET /surveys/projects/{id}/estimates[?by=locality|age_group|sex]`` needs a token of someone with
``findings.view_results`` on the project (everyone else: 404). Cells with fewer than 5 respondents have
``null`` estimates and ``"suppressed": true``; NaN limits are ``null``. The estimates are the ones stored
after the weighting (findings.stored, decision 0024) when they are; only without them are they estimated
during the request (the same numbers, tests/surveys/findings/test_api_stored_results.py).
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.core.access import get_for_user
from kommunalschutz.foundation.web.api import ErrorOut
from kommunalschutz.surveys.findings import results, selectors, stored
from kommunalschutz.surveys.findings.schemas import EstimatesOut
from kommunalschutz.surveys.projects.models import SurveyProject

router = Router(tags=["findings"])


def _finite(value: float, hide: bool) -> float | None:
    return None if hide or not math.isfinite(value) else value


@router.get("/surveys/projects/{project_id}/estimates", auth=token_auth,
            response={200: EstimatesOut, 404: ErrorOut, 422: ErrorOut}, url_name="survey_estimates",
            summary="Weighted estimates of a survey project")
def estimates(request: HttpRequest, project_id: int, by: str | None = None) -> Status[Any]:
    """Weighted estimates (current weighting run; design weights before the first run) with standard
    errors and 95 % confidence intervals, for the whole municipality and, with `by`, per domain."""
    project = get_for_user(request.user, SurveyProject.objects.all(), "findings.view_results", pk=project_id)
    if by is not None and by not in results.DOMAIN_VARIABLES:
        return Status(422, ErrorOut(detail="by: locality, age_group or sex"))
    run = selectors.current_run(project)
    # The rows stored for the project's current state (decision 0024) when they are; else estimated now.
    found = stored.find(project, stored.basis(project, run), by or "")
    rows = stored.rows_of(found) if found is not None else results.project_results(project, run, by=by)
    return Status(200, {
        "project": project.pk, "weighting_run": run.pk if run else None,
        "method": run.method if run else "design", "min_cell": results.MIN_CELL,
        "estimates": [{
            "variable": r.item_code, "question": r.question, "block": r.block, "item_kind": r.item_kind,
            "kind": r.kind, "domain_variable": r.domain_variable, "domain": r.domain, "category": r.category,
            "category_label": r.category_label, "estimate": _finite(r.estimate, r.suppressed),
            "se": _finite(r.se, r.suppressed), "ci_lower": _finite(r.ci_lower, r.suppressed),
            "ci_upper": _finite(r.ci_upper, r.suppressed), "n": r.n, "suppressed": r.suppressed,
        } for r in rows],
    })
