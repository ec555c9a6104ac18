"""Writes of the situation report: every one validated, in one transaction, with its audit row.

- ``create_report``: a draft for a period (the coordination office); its figures are then computed in the
  background (``start_generation`` → ``generate_operation``, with progress on a TaskRun).
- ``update_press_text``: the press release block, editable while the report is a draft.
- ``release_report``: freezes the figures as computed (both editions and the press text), records the as-of
  date, who released it and when. A released report refuses every further change.
- ``create_quarterly_draft``: the schedule's draft for the last completed quarter (idempotent).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.situation import sections
from kommunalschutz.situation.models import SituationReport

GENERATE_OPERATION = "situation.generate"
EARLIEST = dt.date(2000, 1, 1)
PRESS_TEXT_LIMIT = 20_000


def _check_period(start: dt.date | None, end: dt.date | None, errors: Errors) -> None:
    today = timezone.localdate()
    if start is None:
        add_error(errors, "period_start", _("Please enter the first day of the period."))
    if end is None:
        add_error(errors, "period_end", _("Please enter the last day of the period."))
    if start is None or end is None:
        return
    if start > end:
        add_error(errors, "period_end", _("The period must not end before it begins (%(start)s).") % {
            "start": day(start)})
    if end > today:
        add_error(errors, "period_end", _("A situation report cannot be made for a day in the future (today is "
                                          "%(today)s).") % {"today": day(today)})
    if start < EARLIEST:
        add_error(errors, "period_start", _("The period cannot begin before %(earliest)s.") % {
            "earliest": day(EARLIEST)})


def default_title(start: dt.date, end: dt.date) -> str:
    if start == end:
        return _("Situation report on %(date)s") % {"date": day(end)}
    return _("Situation report from %(start)s to %(end)s") % {"start": day(start), "end": day(end)}


def create_report(*, actor: Actor, period_start: dt.date | None, period_end: dt.date | None, title: str = "",
                  origin: str = SituationReport.Origin.MANUAL, generate: bool = True,
                  is_synthetic: bool = False) -> SituationReport:
    """A draft report for the period; its figures are computed in the background (unless ``generate`` is
    False). Raises ValidationError with German messages per field and writes nothing then."""
    errors: Errors = {}
    _check_period(period_start, period_end, errors)
    title = (title or "").strip()
    if len(title) > 200:
        add_error(errors, "title", _("The title may be at most 200 characters long."))
    raise_if_errors(errors)
    assert period_start is not None and period_end is not None
    with transaction.atomic():
        report = SituationReport.objects.create(
            title=title or default_title(period_start, period_end), period_start=period_start, period_end=period_end,
            origin=origin, created_by=actor if getattr(actor, "is_authenticated", False) else None,
            is_synthetic=is_synthetic)
        audit.record_create(actor=actor, obj=report)
        if generate:
            start_generation(actor=actor, report=report)
    return report


def _locked_draft(report: SituationReport) -> SituationReport:
    locked = SituationReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_released:
        raise_if_errors({"__all__": [_("This situation report has been released: its figures and its press "
                                       "release can no longer be changed.")]})
    return locked


def start_generation(*, actor: Actor | None, report: SituationReport) -> TaskRun:
    """Queue the computation of the report's figures (both editions) with progress; refused once released."""
    from kommunalschutz.foundation.core.services import start_operation

    with transaction.atomic():
        locked = _locked_draft(report)
        if locked.generation is not None and not locked.generation.finished:
            return locked.generation
        run = start_operation(actor=actor, kind=GENERATE_OPERATION,
                              label=(_("Situation report: %(title)s") % {"title": locked.title})[:200],
                              arguments={"report_id": locked.pk})
        before = audit.snapshot(locked, ["generation_id"])
        locked.generation = run
        locked.updated_at = timezone.now()
        locked.save(update_fields=["generation", "updated_at"])
        audit.record_update(actor=actor, obj=locked, before=before)
    report.generation = run
    return run


def compute(report: SituationReport, *, progress: Progress | None = None) -> dict[str, dict[str, Any]]:
    """Both editions of the report's figures, computed from the records now (nothing is written)."""
    progress = progress or Progress()
    k = int(settings.STATISTICS_MIN_CELL)
    steps = len(sections.BUILDERS) * len(sections.EDITIONS)
    done = 0
    shared: dict[str, Any] = {}
    result: dict[str, dict[str, Any]] = {}
    progress.update(0, steps, _("computing the figures"))
    # The sentences and headings are German whoever starts the work (the worker has no request).
    with translation.override(settings.LANGUAGE_CODE):
        for edition in sections.EDITIONS:
            def step(key: str) -> None:
                nonlocal done
                done += 1
                progress.update(done, steps, key)

            result[edition] = sections.build_edition(report.period_start, report.period_end, edition, k=k,
                                                     shared=shared, on_section=step)
    return result


def store_figures(*, actor: Actor | None, report: SituationReport,
                  computed: dict[str, dict[str, Any]]) -> SituationReport:
    """Keep computed figures on a draft (and a fresh press text unless it was edited by hand)."""
    with transaction.atomic():
        locked = _locked_draft(report)
        before = audit.snapshot(locked, ["generated_at", "press_text"])
        locked.internal = computed[sections.INTERNAL]
        locked.public = computed[sections.PUBLIC]
        locked.generated_at = timezone.now()
        if not locked.press_edited:
            locked.press_text = "\n\n".join(_paragraphs(computed[sections.PUBLIC]["press"]))
        locked.updated_at = timezone.now()
        locked.save(update_fields=["internal", "public", "generated_at", "press_text", "updated_at"])
        audit.record_update(actor=actor, obj=locked, before=before)
    return locked


def _paragraphs(sentences: list[str]) -> list[str]:
    return [" ".join(sentences)]


def generate_operation(*, progress: Progress, actor_id: int | None, report_id: int) -> dict[str, Any]:
    """The background operation: compute both editions and store them on the (still draft) report."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    report = SituationReport.objects.get(pk=report_id)
    computed = compute(report, progress=progress)
    store_figures(actor=actor, report=report, computed=computed)
    with translation.override(settings.LANGUAGE_CODE):
        return {"summary": _("The figures of the situation report have been computed."),
                "report_id": report.pk}


def update_press_text(*, actor: Actor, report: SituationReport, press_text: str) -> SituationReport:
    """Change the press release block of a draft. Refused (German ValidationError) once released."""
    text = (press_text or "").replace("\r\n", "\n").strip()
    errors: Errors = {}
    if not text:
        add_error(errors, "press_text", _("Please enter the text of the press release."))
    elif len(text) > PRESS_TEXT_LIMIT:
        add_error(errors, "press_text", _("The press release may be at most %(limit)s characters long.") % {
            "limit": PRESS_TEXT_LIMIT})
    with transaction.atomic():
        locked = _locked_draft(report)
        raise_if_errors(errors)
        before = audit.snapshot(locked, ["press_text", "press_edited"])
        locked.press_text = text
        locked.press_edited = True
        locked.updated_at = timezone.now()
        locked.save(update_fields=["press_text", "press_edited", "updated_at"])
        audit.record_update(actor=actor, obj=locked, before=before)
    return locked


def release_report(*, actor: Actor, report: SituationReport) -> SituationReport:
    """Release a draft whose figures have been computed: they and the press text are frozen from now on."""
    with transaction.atomic():
        locked = _locked_draft(report)
        if not locked.is_generated:
            raise_if_errors({"__all__": [_("The figures of this report have not been computed yet. Please wait "
                                           "until the computation has finished.")]})
        if not locked.press_text.strip():
            raise_if_errors({"press_text": [_("Please enter the text of the press release.")]})
        before = audit.snapshot(locked, ["status", "released_at", "released_by_id", "period_end"])
        locked.status = SituationReport.Status.RELEASED
        locked.released_at = timezone.now()
        locked.released_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.updated_at = locked.released_at
        locked.save(update_fields=["status", "released_at", "released_by", "updated_at"])
        after = audit.snapshot(locked, ["status", "released_at", "released_by_id", "period_end"])
        changes = audit.diff(before, after)
        # The as-of date of the frozen figures and when they were computed, recorded with the release (unchanged
        # values, so the trail names them with their fields' German labels).
        end = locked.period_end.isoformat()
        changes["period_end"] = {"old": end, "new": end}
        computed = locked.generated_at.isoformat() if locked.generated_at else None
        changes["generated_at"] = {"old": computed, "new": computed}
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes=changes)
    return locked


def last_completed_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = dt.date(today.year, first_month, 1)
    end = this_quarter - dt.timedelta(days=1)
    start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return start, end


def create_quarterly_draft(*, today: dt.date | None = None) -> SituationReport | None:
    """The draft for the last completed quarter, for the coordination office; None when it exists already
    (the schedule may run it as often as it likes)."""
    start, end = last_completed_quarter(today or timezone.localdate())
    if SituationReport.objects.filter(origin=SituationReport.Origin.QUARTERLY, period_start=start,
                                      period_end=end).exists():
        return None
    quarter = (start.month - 1) // 3 + 1
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Situation report for quarter %(quarter)s/%(year)s") % {"quarter": quarter, "year": start.year}
    try:
        with transaction.atomic():
            return create_report(actor=None, period_start=start, period_end=end, title=title,
                                 origin=SituationReport.Origin.QUARTERLY)
    except IntegrityError:  # another run of the schedule made it at the same moment
        return None
