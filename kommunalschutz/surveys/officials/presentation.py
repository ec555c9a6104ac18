"""The results of a wave as the page, the exports and the API show them: tables with suppression, charts,
the KoMo comparison, the trend and the dark field."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kommunalschutz.surveys.findings.report import interval_chart
from kommunalschutz.surveys.officials import darkfield, komo, results
from kommunalschutz.surveys.officials.models import Wave
from kommunalschutz.surveys.officials.results import DIMENSIONS, Results, Share

SUPPRESSED = "\u2013"  # an en dash, as the case statistics show a suppressed cell


def percent(value: float | None) -> str:
    return SUPPRESSED if value is None else f"{100 * value:.1f}".replace(".", ",")


def _share_row(share: Share) -> list[Any]:
    if share.suppressed:
        return [share.label, _("fewer than %(n)s answers") % {"n": results.min_cell()}, SUPPRESSED, SUPPRESSED,
                SUPPRESSED]
    return [share.label, share.n, percent(share.estimate), percent(share.lower), percent(share.upper)]


def share_headers() -> list[str]:
    return [_("Group"), _("Respondents"), _("Share (%)"), _("95 % CI from"), _("95 % CI to")]


def _chart(shares: list[Share], *, chart_id: str, title: str) -> Any:
    shown = [share for share in shares if not share.suppressed]
    if not shown:
        return None
    values = "; ".join(f"{share.label}: {percent(share.estimate)} %" for share in shown)
    estimates = [share.estimate or 0.0 for share in shown]
    # A share of 0 or 1 has an interval touching it; rounding must not put an end on the wrong side.
    lowers = [min(share.lower or 0.0, value) for share, value in zip(shown, estimates, strict=True)]
    uppers = [max(share.upper or 0.0, value) for share, value in zip(shown, estimates, strict=True)]
    return interval_chart([share.label for share in shown], estimates, lowers, uppers,
                          chart_id=chart_id, title=title, share=True,
                          description=_("Points with 95 %% confidence intervals: %(values)s. The table beside it "
                                        "contains the same values.") % {"values": values})


def komo_comparison(wave: Wave, computed: Results) -> dict[str, Any]:
    figure, same_period = komo.matching(komo.AFFECTED, wave.reference_start, wave.reference_end)
    return {"figure": figure, "same_period": same_period, "ours": computed.komo_group,
            "series": komo.national(komo.AFFECTED)}


def results_context(wave: Wave, computed: Results) -> dict[str, Any]:
    dark = darkfield.dark_field(wave, computed)
    breakdowns = [{"key": name, "title": DIMENSIONS[name], "rows": [_share_row(s) for s in shares],
                   "chart": _chart(shares, chart_id=f"officials-{name}", title=_("Affected by %(dimension)s")
                                   % {"dimension": DIMENSIONS[name]})}
                  for name, shares in computed.breakdowns.items()]
    trend = results.trend(wave)
    return {
        "wave": wave, "results": computed, "dark": dark, "min_cell": results.min_cell(),
        "breakdowns": breakdowns, "share_headers": share_headers(),
        "overall_rows": [_share_row(computed.overall), _share_row(computed.komo_group), _share_row(computed.any_form)],
        "form_rows": [_share_row(share) for share in computed.forms],
        "forms_chart": _chart(computed.forms, chart_id="officials-forms", title=_("Affected by form")),
        "consequence_rows": [_share_row(share) for share in (computed.reported_any, *computed.consequences)],
        "komo": komo_comparison(wave, computed),
        "trend_rows": [[w.title, *_share_row(share)[1:]] for w, share in trend],
        "percent": percent,
    }


def results_tables(computed: Results, dark: darkfield.DarkField) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every table of the page for CSV/XLSX (suppressed cells as on the page)."""
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {
        "betroffenheit": (share_headers(), [_share_row(computed.overall), _share_row(computed.komo_group),
                                          _share_row(computed.any_form)]),
        "formen": (share_headers(), [_share_row(share) for share in computed.forms]),
        "folgen": (share_headers(), [_share_row(share) for share in (computed.reported_any, *computed.consequences)]),
    }
    for name, shares in computed.breakdowns.items():
        tables[f"nach-{name}"] = (share_headers(), [_share_row(share) for share in shares])
    tables["ruecklauf-rolle"] = ([_("Role"), _("Invited"), _("Answered")],
                                 [[rate.label, rate.invited, rate.answered] for rate in computed.rates["role"]])
    tables["dunkelfeld"] = ([_("Figure"), _("Estimate"), _("95 % CI from"), _("95 % CI to")], [
        [_("incidents experienced (estimated)"), *_total_cells(dark.experienced, digits=0)],
        [_("of which reported to the police (estimated)"), *_total_cells(dark.reported, digits=0)],
        [_("share reported (%)"), *_total_cells(dark.reported_share, share=True)],
        [_("dark field: share not reported (%)"), *_total_cells(dark.dark_share, share=True)],
        [_("police figures, pro rata for the period"),
         SUPPRESSED if dark.police_pro_rata is None else round(dark.police_pro_rata), "", ""],
        [_("cases reported on this platform in the period"), dark.platform_cases, "", ""],
    ])
    return tables


def _total_cells(total: results.Total, *, share: bool = False, digits: int = 1) -> list[Any]:
    if total.estimate is None:
        return [SUPPRESSED, SUPPRESSED, SUPPRESSED]
    if share:
        return [percent(total.estimate), percent(total.lower), percent(total.upper)]
    return [round(total.estimate, digits), round(total.lower or 0, digits), round(total.upper or 0, digits)]
