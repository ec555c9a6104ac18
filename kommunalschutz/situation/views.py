"""Pages of the situation report: the list, one report in an edition, its PDF and table downloads, and the
coordination office's actions (new report, press text, compute again, release).

Views stay thin: the reports come from ``selectors`` (404 for what the user may not read), writes go
through ``services``, the charts are drawn from the stored specs by ``charts``.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.foundation.core.documents import PDF_CONTENT_TYPE, download, render_pdf, table_download
from kommunalschutz.foundation.core.services import recover_if_stale
from kommunalschutz.foundation.web.pages import request_user, save
from kommunalschutz.situation import charts, sections, selectors, services
from kommunalschutz.situation.forms import PressForm, ReportForm
from kommunalschutz.situation.models import SituationReport

# Editions as the addresses name them.
SLUGS = {sections.INTERNAL: "intern", sections.PUBLIC: "oeffentlich"}
EDITIONS_BY_SLUG = {slug: edition for edition, slug in SLUGS.items()}


def _edition(slug: str) -> str:
    try:
        return EDITIONS_BY_SLUG[slug]
    except KeyError:
        raise Http404 from None


def _edition_labels() -> dict[str, str]:
    return {sections.INTERNAL: _("internal edition"), sections.PUBLIC: _("public edition")}


@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_manage = user.has_perm("situation.manage_reports")
    form = ReportForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if not may_manage or form is None:
            raise Http404
        if form.is_valid():
            report = save(form, lambda: services.create_report(
                actor=request_user(request), period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"], title=form.cleaned_data.get("title", "")))
            if report is not None:
                return redirect("situation:detail", report.pk)
    reports = list(selectors.visible_reports(user))
    return render(request, "situation/list.html", {
        "reports": reports, "form": form, "may_manage": may_manage,
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


def _detail_context(request: HttpRequest, report: SituationReport, edition: str) -> dict[str, Any]:
    user = request.user
    content = report.edition(edition)
    run = recover_if_stale(report.generation) if report.generation is not None else None
    may_manage = user.has_perm("situation.manage_reports")
    editions = selectors.editions_for(user, report)
    tables: dict[str, dict[str, str]] = {}
    if content is not None:
        for _section, found in sections.all_tables(content):
            base = reverse("situation:table", args=[report.pk, SLUGS[edition], found["key"], "csv"])
            tables[found["key"]] = {"csv": base, "xlsx": base[:-3] + "xlsx"}
    return {
        "report": report, "edition": edition, "edition_slug": SLUGS[edition], "content": content,
        "charts": charts.rendered(content) if content is not None else {},
        "downloads": tables, "run": run, "may_manage": may_manage and not report.is_released,
        "editions": [{"slug": SLUGS[e], "label": _edition_labels()[e], "current": e == edition} for e in editions],
        "edition_label": _edition_labels()[edition],
        "press_form": PressForm(initial={"press_text": report.press_text}) if may_manage else None,
        "min_cell": content["min_cell"] if content else None,
    }


@require_GET
def detail(request: HttpRequest, pk: int, edition_slug: str = "") -> HttpResponse:
    if edition_slug:
        edition = _edition(edition_slug)
    else:
        # The fullest edition the user may read: internal for the ministry's roles, else public.
        probe = selectors.report_for(request.user, pk)
        edition = selectors.editions_for(request.user, probe)[0]
    report = selectors.report_for(request.user, pk, edition)
    return render(request, "situation/detail.html", _detail_context(request, report, edition))


@require_GET
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.manageable_report(request.user, pk)
    if report.generation is None:
        raise Http404
    return render(request, "situation/_progress.html", {
        "run": recover_if_stale(report.generation), "report": report})


def _manage_post(request: HttpRequest, pk: int, write: Any, form: Any = None) -> HttpResponse:
    report = selectors.manageable_report(request.user, pk)
    if form is not None and not form.is_valid():
        context = _detail_context(request, report, sections.INTERNAL)
        context["press_form"] = form
        context["errors"] = [str(e) for errors in form.errors.values() for e in errors]
        return render(request, "situation/detail.html", context, status=400)
    carrier = form if form is not None else PressForm()
    done = save(carrier, lambda: write(report))
    if done is None:
        context = _detail_context(request, report, sections.INTERNAL)
        context["press_form"] = carrier if form is not None else context["press_form"]
        context["errors"] = [str(e) for errors in carrier.errors.values() for e in errors]
        return render(request, "situation/detail.html", context, status=400)
    return redirect("situation:edition", report.pk, SLUGS[sections.INTERNAL])


@require_POST
def press(request: HttpRequest, pk: int) -> HttpResponse:
    form = PressForm(request.POST)
    return _manage_post(request, pk, lambda report: services.update_press_text(
        actor=request_user(request), report=report, press_text=form.cleaned_data["press_text"]), form)


@require_POST
def generate(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_post(request, pk, lambda report: services.start_generation(actor=request_user(request),
                                                                              report=report))


@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_post(request, pk, lambda report: services.release_report(actor=request_user(request),
                                                                            report=report))


def _content_or_404(report: SituationReport, edition: str) -> dict[str, Any]:
    content = report.edition(edition)
    if content is None:
        raise Http404
    return content


def pdf_bytes(report: SituationReport, edition: str) -> bytes:
    """The PDF of one edition; a released report's PDF is kept in the cache (its figures never change)."""
    content = _content_or_404(report, edition)
    key = f"situation:pdf:{report.pk}:{edition}:{report.updated_at.isoformat()}"
    found = cache.get(key) if report.is_released else None
    if isinstance(found, bytes):
        return found
    pdf = render_pdf("situation/pdf.html", {
        "report": report, "content": content, "edition_label": _edition_labels()[edition],
        "charts": charts.rendered(content), "min_cell": content["min_cell"]})
    if report.is_released:
        cache.set(key, pdf, 24 * 3600)
    return pdf


@require_GET
def pdf(request: HttpRequest, pk: int, edition_slug: str) -> HttpResponse:
    edition = _edition(edition_slug)
    report = selectors.report_for(request.user, pk, edition)
    return download(pdf_bytes(report, edition), filename=f"lagebericht-{report.period_end:%Y-%m-%d}-{edition_slug}.pdf",
                    content_type=PDF_CONTENT_TYPE)


@require_GET
def table_export(request: HttpRequest, pk: int, edition_slug: str, key: str, fmt: str) -> HttpResponse:
    edition = _edition(edition_slug)
    report = selectors.report_for(request.user, pk, edition)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    content = _content_or_404(report, edition)
    found = sections.find_table(content, key)
    if found is None:
        raise Http404
    headers = [found["row_heading"], _("Column"), _("Value"),
               _("Suppressed (fewer than %(k)s cases)") % {"k": content["min_cell"]}]
    return table_download(fmt, headers, sections.flat_rows(found),
                          basename=f"lagebericht-{report.period_end:%Y-%m-%d}-{edition_slug}-{key}")
