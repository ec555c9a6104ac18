"""The background computation of the stored results (stored.RESULTS_OPERATION, decision 0024).

It draws the results page's charts with the page's own code (views.item_sections), so the keys of the
stored charts are exactly those the page asks for; the page itself never imports this module.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core.charts import stored_charts
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.surveys.findings import results, selectors
from kommunalschutz.surveys.findings.models import StoredResults, WeightingRun
from kommunalschutz.surveys.findings.stored import SPLITS, VERSION, basis, encode, row_dict
from kommunalschutz.surveys.findings.stored import basis as stored_basis
from kommunalschutz.surveys.findings.views import item_sections
from kommunalschutz.surveys.projects.models import SurveyProject


def _sections(project: SurveyProject, rows: list[results.Row]) -> dict[str, str]:
    """Draw the results page's charts for these rows and return them by key (core.charts.stored_charts)."""
    with stored_charts({}) as drawn:
        item_sections(project, rows)
    return drawn


def compute(project: SurveyProject, basis_: str | None = None, *, progress: Progress | None = None) -> int:
    """Estimate, draw and store the results of ``basis_`` (the current one if None); returns the number
    of stored rows. Already stored splits are kept (the numbers of a basis never change)."""
    with translation.override(settings.LANGUAGE_CODE):  # the charts and the progress speak the site's language
        return _compute(project, basis_, progress or Progress())


def _compute(project: SurveyProject, basis_: str | None, progress: Progress) -> int:
    progress.update(0, 0, _("the answers are being loaded …"))
    run = selectors.current_run(project)
    basis_ = basis_ or basis(project, run)
    if basis_.startswith(f"{VERSION}:run:"):
        run = WeightingRun.objects.get(project=project, pk=int(basis_.rsplit(":", 1)[1]))
    elif basis_ != basis(project, None):
        raise ValueError(f"The basis {basis_!r} is no longer the project's state.")
    else:
        run = None
    done_splits = set(StoredResults.objects.filter(project=project, basis=basis_).values_list("by", flat=True))
    todo = [by for by in SPLITS if by not in done_splits]
    items = selectors.items(project)
    # Per split: one step per item estimated and as many again for its charts.
    total = max(1, 2 * len(items) * len(todo))
    count = 0
    if not todo:
        progress.update(total, total, _("the results were already stored"))
        return count
    data = results.load(project, run)
    indicators = results.key_indicators(project, run, data=data)
    done = 0
    for by in todo:
        label = results_split_label(by)
        rows: list[results.Row] = []
        domains = results._domains(data, by or None) if data.design is not None else []
        for item in items:
            if data.design is not None:
                rows.extend(results.item_rows(item, data, domains))
            done += 1
            progress.update(done, total, _("estimates: %(split)s") % {"split": label})
        progress.update(done, total, _("charts are being drawn: %(split)s") % {"split": label})
        charts = _sections(project, rows)
        done += len(items)
        store(project, basis_, by, run=run, rows=[row_dict(row) for row in rows], charts=charts,
              indicators={key: None if value is None else {k: encode(v) for k, v in value.as_dict().items()}
                          for key, value in indicators.items()} if by == "" else {})
        count += len(rows)
        progress.update(done, total, _("stored: %(split)s") % {"split": label})
    progress.update(total, total, _("the results are stored"))
    return count


def store(project: SurveyProject, basis_: str, by: str, *, run: WeightingRun | None, rows: list[dict[str, Any]],
          charts: dict[str, str], indicators: dict[str, Any]) -> StoredResults:
    """Store one split of one basis. Two workers may compute the same basis at once (a weighting queued it
    and someone pressed "compute" meanwhile): the unique key (project, basis, by) lets only one row exist,
    update_or_create locks it or, when both insert, the loser reads the winner's row and overwrites it with
    the same numbers (a basis's numbers never change). tests/concurrency/test_stored_results.py."""
    with transaction.atomic():
        stored, _created = StoredResults.objects.update_or_create(project=project, basis=basis_, by=by, defaults={
            "run": run, "rows": rows, "charts": charts, "indicators": indicators})
    return stored


def results_split_label(by: str) -> str:
    labels = {"": _("municipality as a whole"), "locality": _("by locality"), "age_group": _("by age group"),
              "sex": _("by sex")}
    return labels.get(by, by)


def compute_results_operation(*, progress: Progress, actor_id: int | None, project_id: int,
                              basis: str) -> dict[str, Any]:
    """The background operation (RESULTS_OPERATION, registered in FindingsConfig.ready)."""
    project = SurveyProject.objects.select_related("municipality").get(pk=project_id)
    rows = compute(project, basis, progress=progress)
    if basis.startswith(f"{VERSION}:run:") and basis == stored_basis(project, selectors.current_run(project)):
        # The results of the current weighting are stored: render its final report once, in the
        # background, to serve it from storage (report.start_stored_report, decision 0024).
        from kommunalschutz.surveys.findings import report

        report.start_stored_report(project)
    return {"basis": basis, "rows": rows, "next_url": reverse("findings:overview", args=[project.pk])}
