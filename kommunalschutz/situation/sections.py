"""The sections of a situation report: an ordered list of builders, one per part of the report.

Each builder takes a :class:`Scope` (the period, the edition, the small-cell threshold and the reads it
shares with the other edition) and returns a plain, JSON-serialisable dict, which the report stores and
never recomputes once released::

    {"key": "alliance", "title": "…", "state": "ready" | "empty", "intro": "…",
     "sentences": ["…"], "figures": {…},                   # raw figures the press block writes about
     "tables": [{"key", "title", "row_heading", "columns": [[key, label]], "rows": [{"key", "label",
                 "cells": [cell], "total": cell | None}], "column_totals": [cell] | None,
                 "grand_total": cell | None, "note", "suppressed_rule": bool}],
     "charts": [{"key", "kind", "title", "description", "table", "data": {…}}]}

    cell = {"value": number | None, "display": "…", "suppressed": bool}

A suppressed cell's value is never stored (None), so no later rendering can reveal it. Suppression is the
case statistics' own (``casestats.tables.count_table`` over ``casestats.suppression``: primary and
complementary); this module only decides which threshold applies per edition:

- public edition: every count about incidents and the people concerned with k = STATISTICS_MIN_CELL;
- internal edition: the same for incidents and people; the case team's own figures (time to
  acknowledgement, measures used, their outcomes, referrals: counts of what the case team did) unsuppressed.

The protection sections name districts only, never a municipality, in both editions. The alliance's
figures count municipalities and offers, public facts (the public map, the figures API): the internal edition
shows them as they are; the public edition, in which no cell under k may appear, hides every count from 1 to
k-1 there too (and a change where it would reveal one). The press block is written from the figures
themselves, as the ministry publishes them. A new section is one more builder in :data:`BUILDERS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.numbers import german_number

INTERNAL = "internal"
PUBLIC = "public"
EDITIONS = (INTERNAL, PUBLIC)

Section = dict[str, Any]
Table = dict[str, Any]
Cell = dict[str, Any]


@dataclass
class Scope:
    """What one builder call needs: the period, the edition, k, and the reads both editions share."""

    start: dt.date
    end: dt.date
    edition: str
    k: int
    shared: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.shared:
            self.shared[key] = compute()
        return self.shared[key]

    @property
    def public(self) -> bool:
        return self.edition == PUBLIC


def day(value: dt.date) -> str:
    return date_format(value, "d.m.Y")


def cell(value: int | float | None, display: str | None = None, *, suppressed: bool = False) -> Cell:
    if suppressed:
        return {"value": None, "display": display or "", "suppressed": True}
    shown = display if display is not None else ("\N{EN DASH}" if value is None else german_number(value))
    return {"value": value, "display": shown, "suppressed": False}


def table(key: str, title: str, row_heading: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]], *,
          note: str = "", column_totals: list[Cell | None] | None = None, grand_total: Cell | None = None,
          suppressed_rule: bool = False) -> Table:
    return {"key": key, "title": title, "row_heading": row_heading,
            "columns": [[str(k), str(label)] for k, label in columns], "rows": rows,
            "column_totals": column_totals, "grand_total": grand_total, "note": note,
            "suppressed_rule": suppressed_rule}


def _from_casestats(found: Any, *, key: str | None = None) -> Table:
    """A table of the case statistics (already suppressed) as the report stores it."""

    def one(c: Any) -> Cell | None:
        if c is None:
            return None
        return {"value": None if c.suppressed else c.value, "display": c.display, "suppressed": bool(c.suppressed)}

    return table(key or found.key, found.title, found.row_heading, list(found.columns),
                 [{"key": row.key, "label": row.label, "cells": [one(c) for c in row.cells], "total": one(row.total)}
                  for row in found.rows],
                 note=found.note,
                 column_totals=[one(c) for c in found.column_totals] if found.column_totals is not None else None,
                 grand_total=one(found.grand_total), suppressed_rule=True)


# --- the alliance ---------------------------------------------------------------------------------------


def _funding_and_events(as_of: dt.date) -> dict[str, Any]:
    from kommunalschutz.alliance.engagements.models import Engagement, FundingApplication
    from kommunalschutz.alliance.events.models import Event

    funding = FundingApplication.objects.filter(submitted_on__lte=as_of).exclude(
        engagement__status=Engagement.Status.CANCELLED)
    approved = funding.filter(decision=FundingApplication.Decision.APPROVED, decided_on__lte=as_of)
    amount = approved.aggregate(total=Sum("approved_amount"))["total"]
    events = Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__date__lte=as_of)
    return {"funding_applications": funding.count(), "funding_approved": approved.count(),
            "funding_approved_amount": float(amount or 0), "events": events.count()}


def _map_counts(as_of: dt.date) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Per municipality (AGS) its colour on the public map on ``as_of``, and per district the counts."""
    from kommunalschutz.alliance.insights import selectors as map_selectors

    rows = map_selectors.state_on(map_selectors.map_layer(as_of), as_of)
    blocks: dict[str, str] = {}
    districts: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = districts.setdefault(row.district or "", {"name": row.district_name or "", "member": 0,
                                                         "coaching": 0, "security_analysis": 0, "council": 0})
        entry["council"] += len(row.councils)
        if row.kind != "municipality":
            continue
        for block in map_selectors.BLOCKS:
            if row.since[block]:
                blocks[row.ags] = block
                break
        for block in ("member", "coaching", "security_analysis"):
            if row.since[block]:
                entry[block] += 1
    return blocks, districts


def _figure_labels() -> dict[str, str]:
    from kommunalschutz.alliance.insights.charts import figure_labels

    labels = figure_labels()
    labels.update({
        "funding_applications": _("Funding applications submitted"),
        "funding_approved": _("Funding applications approved"),
        "funding_approved_amount": _("Funding approved (EUR)"),
        "events": _("Events held"),
    })
    return labels


def _small(entry: Cell, k: int) -> bool:
    value = entry["value"]
    return isinstance(value, int | float) and 0 < abs(value) < k


def _hidden(k: int) -> Cell:
    return cell(None, f"<{k}", suppressed=True)


def suppress_counts(cells: list[Cell], k: int) -> list[Cell]:
    """Counts (no relation between them) with every value from 1 to k-1 hidden."""
    return [_hidden(k) if _small(entry, k) else entry for entry in cells]


def suppress_change(cells: list[Cell], k: int) -> list[Cell]:
    """A count on two days and its change, each from 1 to k-1 hidden; since any two give the third, a second
    one is hidden wherever only one would be (the change, or the first day's count if it was the change)."""
    small = [_small(entry, k) for entry in cells]
    if not any(small):
        return cells
    hide = list(small)
    if sum(hide) == 1:
        hide[0 if small[2] else 2] = True
    return [_hidden(k) if hidden else entry for entry, hidden in zip(cells, hide, strict=True)]


def alliance(scope: Scope) -> Section:
    """Members, agreements, consultations, coaching, councils, analyses, funding and events: on the day
    before the period, at its end, the change; the monthly series; the map and its table per district."""
    from kommunalschutz.alliance.insights import figures

    before_day = scope.start - dt.timedelta(days=1)

    def read() -> dict[str, Any]:
        before = {**figures.figures_as_of(before_day).values(), **_funding_and_events(before_day)}
        after = {**figures.figures_as_of(scope.end).values(), **_funding_and_events(scope.end)}
        start = figures.programme_start() or scope.start
        dates = figures.month_ends(min(start, scope.end), scope.end)
        series = [[point.as_of.isoformat(), *point.values().values()] for point in figures.figures_series(dates)]
        blocks, districts_end = _map_counts(scope.end)
        _blocks_before, districts_before = _map_counts(before_day)
        return {"before": before, "after": after, "series": series, "blocks": blocks,
                "districts_end": districts_end, "districts_before": districts_before,
                "programme_start": start.isoformat()}

    data = scope.once("alliance", read)
    labels = _figure_labels()
    names = [*figures.FIGURE_NAMES, "funding_applications", "funding_approved", "funding_approved_amount", "events"]
    rows = []
    for name in names:
        old, new = data["before"][name], data["after"][name]
        decimals = 2 if name == "funding_approved_amount" else 0
        cells = [cell(old, german_number(old, decimals)), cell(new, german_number(new, decimals)),
                 cell(round(new - old, decimals), _signed(new - old, decimals))]
        if scope.public and name != "funding_approved_amount":  # an amount in euros is not a count
            cells = suppress_change(cells, scope.k)
        rows.append({"key": name, "label": labels[name], "total": None, "cells": cells})
    figures_table = table(
        "alliance_figures", _("Programme figures on %(before)s and on %(end)s") % {
            "before": day(before_day), "end": day(scope.end)},
        _("Figure"), [("before", day(before_day)), ("end", day(scope.end)), ("change", _("Change in the period"))],
        rows, note=_("Each figure counts what had happened on or before the date (docs/alliance.md).")
        + (" " + _("In the public edition every count from 1 to %(last)s is suppressed, and a change whenever "
                   "it would reveal one.") % {"last": scope.k - 1} if scope.public else ""),
        suppressed_rule=scope.public)
    series_table = table(
        "alliance_series", _("Programme figures at the end of each month"), _("Date"),
        [(name, labels[name]) for name in figures.FIGURE_NAMES],
        [{"key": point[0], "label": day(dt.date.fromisoformat(point[0])), "total": None,
          "cells": (suppress_counts if scope.public else lambda cells, _k: cells)(
              [cell(value) for value in point[1:]], scope.k)} for point in data["series"]],
        suppressed_rule=scope.public)
    district_rows = []
    keys = sorted(set(data["districts_end"]) | set(data["districts_before"]),
                  key=lambda ags: (data["districts_end"].get(ags) or data["districts_before"][ags])["name"])
    for ags in keys:
        end = data["districts_end"].get(ags) or {"member": 0, "coaching": 0, "security_analysis": 0, "council": 0,
                                                 "name": data["districts_before"][ags]["name"]}
        before = data["districts_before"].get(ags, {"member": 0})
        change = end["member"] - before["member"]
        members = [cell(before["member"]), cell(end["member"]), cell(change, _signed(change))]
        counts = [cell(end["coaching"]), cell(end["security_analysis"]), cell(end["council"])]
        if scope.public:
            members, counts = suppress_change(members, scope.k), suppress_counts(counts, scope.k)
        district_rows.append({"key": ags, "label": end["name"] or _("no district recorded"), "total": None,
                              "cells": [*members, *counts]})
    district_table = table(
        "alliance_districts", _("Municipalities in the alliance per district on %(end)s") % {"end": day(scope.end)},
        _("District"), [("members_before", _("Members on %(date)s") % {"date": day(before_day)}),
                        ("members_end", _("Members on %(date)s") % {"date": day(scope.end)}),
                        ("members_change", _("Change in the period")),
                        ("coaching", _("with coaching")), ("security_analysis", _("with a security analysis")),
                        ("councils", _("Prevention councils"))],
        district_rows, note=_("The table of the map: municipalities by the building blocks they have reached."),
        suppressed_rule=scope.public)
    after = data["after"]
    sentences = [
        ngettext("On %(date)s the alliance has %(n)s member municipality.",
                 "On %(date)s the alliance has %(n)s member municipalities.", after["member_municipalities"])
        % {"date": day(scope.end), "n": german_number(after["member_municipalities"])},
        _("In the period from %(start)s to %(end)s the number of members changed by %(change)s, the consultations "
          "by %(consultations)s and the coaching processes by %(coaching)s.") % {
            "start": day(scope.start), "end": day(scope.end),
            "change": _signed(after["member_municipalities"] - data["before"]["member_municipalities"]),
            "consultations": _signed(after["consultations"] - data["before"]["consultations"]),
            "coaching": _signed(after["coaching_processes"] - data["before"]["coaching_processes"])},
    ]
    return {
        "key": "alliance", "title": _("The prevention alliance"), "state": "ready",
        "intro": _("Members, cooperation agreements, consultations, coaching, prevention councils, security "
                   "analyses, funding and events, each on the day before the period and at its end."),
        "sentences": sentences, "figures": {"before": data["before"], "end": after,
                                            "programme_start": data["programme_start"]},
        "tables": [figures_table, district_table, series_table],
        "charts": [
            {"key": "alliance_series", "kind": "figures_series", "table": "alliance_series",
             "title": "", "description": "", "data": {"series": data["series"]}},
            {"key": "alliance_map", "kind": "map", "table": "alliance_districts",
             "title": _("The alliance on %(date)s") % {"date": day(scope.end)},
             "description": _("Map of %(state)s: each member municipality coloured by the furthest building block it "
                              "has reached on %(date)s. The table below gives the figures per district.") % {
                 "date": day(scope.end), **states.current().placeholders()},
             "data": {"blocks": data["blocks"], "land": states.current().key}},
        ],
    }


def _signed(value: float, decimals: int = 0) -> str:
    return ("+" if value > 0 else "") + german_number(value, decimals)


# --- protection of officials ---------------------------------------------------------------------------


# Tables of the case statistics that count the case team's own work (shown unsuppressed internally).
CASE_TEAM_TABLES = ("acknowledgement", "measures", "referrals", "measure_outcomes")
INCIDENT_TABLES = ("per_year", "types", "channel", "role", "motivation", "district", "acute")


def _statistics_filter(scope: Scope) -> Any:
    from kommunalschutz.protection.casestats.selectors import StatisticsFilter

    return StatisticsFilter(start=scope.start.replace(day=1), end=scope.end.replace(day=1))


def _measure_outcomes(scope: Scope, k: int) -> Any:
    """Measures of the cases of the period by kind and status (what became of them), suppressed with ``k``."""
    from kommunalschutz.protection.casestats import tables as casestats_tables
    from kommunalschutz.protection.measures.models import Measure, MeasureKind

    flt = _statistics_filter(scope)
    statuses = list(Measure.Status.choices)

    def read() -> dict[tuple[str, str], int]:
        found = (Measure.objects.filter(case__statistic__occurred_month__gte=flt.start,
                                        case__statistic__occurred_month__lte=flt.end)
                 .order_by().values("kind", "status").annotate(n=Count("pk")))
        return {(row["kind"], row["status"]): int(row["n"]) for row in found}

    counts = scope.once("measure_outcomes", read)
    matrix = [[counts.get((kind, status), 0) for status, _label in statuses] for kind in MeasureKind.values]
    return casestats_tables.count_table(
        "measure_outcomes", _("Measures of the cases of the period by state"), _("Measure"),
        [(str(kind), str(label)) for kind, label in MeasureKind.choices], statuses, matrix, k=k,
        note=_("Measures recorded in the cases whose incident lies in the period, by what became of them. Cases "
               "deleted after their retention period no longer count here."))


def _police_table(scope: Scope) -> tuple[Table, list[dict[str, Any]]]:
    from kommunalschutz.protection.casestats.models import OFFENCE_GROUPS, PoliceFigure

    region = states.current().police_region
    latest: dict[tuple[str, int, str], Any] = {}
    # What was published by the report's date: a figure published later was not known then.
    for figure in PoliceFigure.objects.filter(region__in=[region, "DE"], as_of__lte=scope.end,
                                              year__lte=scope.end.year).order_by("region", "year", "offence_group",
                                                                                 "-as_of"):
        latest.setdefault((figure.region, figure.year, figure.offence_group), figure)
    rows = []
    facts = []
    def order(item: tuple[tuple[str, int, str], Any]) -> tuple[bool, int, bool]:
        (figure_region, year, group), _figure = item
        return figure_region == "DE", year, group != "all"

    for (figure_region, year, group), figure in sorted(latest.items(), key=order):
        place = _("Germany") if figure_region == "DE" else states.current().name
        rows.append({"key": f"{figure_region}-{year}-{group}", "label": f"{place} {year}", "total": None, "cells": [
            cell(None, str(OFFENCE_GROUPS.get(group, group))), cell(figure.count),
            cell(None, str(figure.get_status_display())), cell(None, day(figure.as_of)), cell(None, figure.source)]})
        facts.append({"region": figure_region, "year": year, "group": group, "count": figure.count,
                      "status": figure.status, "as_of": figure.as_of.isoformat()})
    return table("police", _("Official police figures: offences against office and mandate holders"),
                 _("Region and year"), [("group", _("Offence group")), ("count", _("Offences")),
                                        ("status", _("Figure status")), ("as_of", _("Published as of")),
                                        ("source", _("Source of the figure"))], rows,
                 note=_("The latest figure published by %(date)s for each year. The police count the offences they "
                        "registered; the platform counts the incidents reported to it. The two measure different "
                        "things and are shown side by side, not compared.") % {"date": day(scope.end)}), facts


def protection(scope: Scope) -> Section:
    """Cases by type, channel, role, district and motivation, the acute share, the time to acknowledgement,
    measures and their outcomes, beside the police figures with their status and as-of dates."""
    from kommunalschutz.protection.casestats import suppression
    from kommunalschutz.protection.casestats import tables as casestats_tables

    flt = _statistics_filter(scope)
    k = scope.k
    suppressed_board = scope.once("casestats_k", lambda: casestats_tables.build(flt, k=k))
    team_k = k if scope.public else 1
    team_board = (suppressed_board if team_k == k
                  else scope.once("casestats_1", lambda: casestats_tables.build(flt, k=1)))
    tables = [_from_casestats(suppressed_board.table(key)) for key in INCIDENT_TABLES]
    tables += [_from_casestats(team_board.table(key)) for key in ("acknowledgement", "measures", "referrals")]
    outcomes = _from_casestats(_measure_outcomes(scope, team_k))
    tables.append(outcomes)
    for found in tables:
        found["suppressed_rule"] = found["key"] not in CASE_TEAM_TABLES or scope.public
    police, facts = _police_table(scope)
    tables.append(police)

    per_year = suppressed_board.table("per_year")
    total = per_year.column_totals[0] if per_year.column_totals else None
    reported = total.value if total is not None and not total.suppressed else None
    if reported is None and total is not None and total.suppressed:
        first = _("From %(start)s to %(end)s fewer than %(k)s incidents were reported to the platform.") % {
            "start": flt.start.strftime("%m/%Y"), "end": flt.end.strftime("%m/%Y"), "k": k}
    else:
        first = ngettext("From %(start)s to %(end)s %(n)s incident was reported to the platform.",
                         "From %(start)s to %(end)s %(n)s incidents were reported to the platform.", reported or 0) % {
            "start": flt.start.strftime("%m/%Y"), "end": flt.end.strftime("%m/%Y"), "n": german_number(reported or 0)}
    sentences = [first]
    acute = suppressed_board.table("acute")
    acute_totals = acute.column_totals or []
    if acute_totals and reported and not acute_totals[0].suppressed and not suppression.rate_suppressed(reported, k):
        share = 100.0 * float(acute_totals[0].value or 0) / float(reported)
        sentences.append(_("%(share)s %% of them were acute.") % {"share": german_number(share, 1)})
    state_figures = [fact for fact in facts if fact["region"] != "DE" and fact["group"] == "all"]
    if state_figures:
        newest = state_figures[-1]
        status = _("preliminary") if newest["status"] == "preliminary" else _("final")
        sentences.append(_("The police registered %(count)s offences against office and mandate holders in %(state)s "
                           "in %(year)s (%(status)s, as of %(as_of)s).") % {
            "count": german_number(newest["count"]), "year": newest["year"], "status": status,
            "as_of": day(dt.date.fromisoformat(newest["as_of"])), **states.current().placeholders()})
    police_by_year = {fact["year"]: fact["count"] for fact in state_figures}
    return {
        "key": "protection", "title": _("Protection of office and mandate holders"), "state": "ready",
        "intro": _("Incidents reported to the platform, by the month of the incident, counted from the anonymous "
                   "statistical record. Counts from 1 to %(last)s are suppressed, and further cells where totals "
                   "would reveal them. Places are named by district only.") % {"last": k - 1},
        "sentences": sentences,
        "figures": {"reported": reported, "k": k, "police": facts},
        "tables": tables,
        "charts": [
            {"key": "protection_yearly", "kind": "casestats_yearly", "table": "per_year", "title": "",
             "description": "", "data": {"table": tables[0], "police": {str(y): n for y, n in police_by_year.items()},
                                         "k": k}},
            {"key": "protection_types", "kind": "casestats_types", "table": "types", "title": "",
             "description": "", "data": {"table": tables[1], "k": k}},
        ],
    }


# --- the officials' survey (surveys/officials; issue 16, item 1) ------------------------------------


def _share_data(share: Any) -> dict[str, Any]:
    return {"key": share.key, "label": share.label, "n": share.n, "estimate": share.estimate,
            "lower": share.lower, "upper": share.upper}


def _interval_data(total: Any) -> dict[str, Any]:
    return {"estimate": total.estimate, "lower": total.lower, "upper": total.upper}


def _officials_data(as_of: dt.date) -> dict[str, Any] | None:
    """The latest wave closed by ``as_of``, its estimates and its dark field as plain data (or None)."""
    from django.utils import timezone

    from kommunalschutz.surveys.officials import darkfield, komo, results
    from kommunalschutz.surveys.officials.models import Wave

    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    wave = (Wave.objects.filter(status=Wave.Status.CLOSED, closed_at__lt=end)
            .order_by("-reference_end", "-pk").first())
    if wave is None:
        return None
    computed = results.compute(wave)
    dark = darkfield.dark_field(wave, computed)
    figure, same_period = komo.matching(komo.AFFECTED, wave.reference_start, wave.reference_end)
    return {
        "wave": {"title": wave.title, "start": wave.reference_start.isoformat(),
                 "end": wave.reference_end.isoformat(), "is_synthetic": wave.is_synthetic},
        "respondents": computed.respondents, "invited": computed.invited,
        "overall": [_share_data(share) for share in (computed.komo_group, computed.overall, computed.any_form)],
        "roles": [_share_data(share) for share in computed.breakdowns["role"]],
        "reported_any": _share_data(computed.reported_any),
        "dark": {"experienced": _interval_data(dark.experienced), "reported": _interval_data(dark.reported),
                 "reported_share": _interval_data(dark.reported_share), "dark_share": _interval_data(dark.dark_share),
                 "police_pro_rata": dark.police_pro_rata,
                 "police": [{"year": p.year, "count": p.count, "months": p.months, "status": p.status,
                             "as_of": p.as_of.isoformat()} for p in dark.police],
                 "platform_cases": dark.platform_cases},
        "komo": {"wave": figure.wave, "value": figure.value, "same_period": same_period} if figure else None,
        "komo_reported": dark.komo_reported.value if dark.komo_reported else None,
    }


def _percent(value: float) -> str:
    return german_number(100 * value, 1)


def _share_cells(share: dict[str, Any], k: int) -> list[Cell]:
    if share["estimate"] is None or share["n"] < k:
        return [cell(None, f"<{k}", suppressed=True)] + [cell(None, "", suppressed=True)] * 3
    return [cell(share["n"]), cell(round(100 * share["estimate"], 1), _percent(share["estimate"])),
            cell(round(100 * share["lower"], 1), _percent(share["lower"])),
            cell(round(100 * share["upper"], 1), _percent(share["upper"]))]


def _interval_cells(value: dict[str, Any], *, percent: bool) -> list[Cell]:
    if value["estimate"] is None:
        return [cell(None)] * 3
    if percent:
        return [cell(round(100 * value[key], 1), _percent(value[key])) for key in ("estimate", "lower", "upper")]
    # Estimates (floats), not counts: shown rounded, never confused with a count of persons.
    return [cell(float(round(value[key])), german_number(round(value[key]))) for key in ("estimate", "lower", "upper")]


def officials_survey(scope: Scope) -> Section:
    """Prevalence and dark field from the latest wave of the survey of office and mandate holders closed by
    the end of the period: weighted shares with 95 % intervals (groups under k answers suppressed, nothing
    below the district), beside KoMo and the police figures."""
    data = scope.once("officials", lambda: _officials_data(scope.end))
    title = _("Survey of office and mandate holders")
    if data is None:
        return {"key": "officials_survey", "title": title, "state": "empty",
                "intro": _("No wave of the survey of office and mandate holders has been completed yet."),
                "sentences": [], "figures": {}, "tables": [], "charts": []}
    k = scope.k
    wave = data["wave"]
    period = {"start": day(dt.date.fromisoformat(wave["start"])), "end": day(dt.date.fromisoformat(wave["end"]))}
    columns = [("n", _("Respondents")), ("share", _("Share (%)")), ("lower", _("95 % CI from")),
               ("upper", _("95 % CI to"))]
    rows = [{"key": share["key"], "label": share["label"], "cells": _share_cells(share, k), "total": None}
            for share in [*data["overall"], *data["roles"]]]
    rows.append({"key": "reported_any", "label": _("of those affected: reported at least one incident"),
                 "cells": _share_cells(data["reported_any"], k), "total": None})
    dark = data["dark"]
    platform = dark["platform_cases"]
    platform_cell = cell(None, f"<{k}", suppressed=True) if 0 < platform < k else cell(platform)
    dark_rows = [
        {"key": "experienced", "label": _("incidents experienced (estimated)"),
         "cells": _interval_cells(dark["experienced"], percent=False), "total": None},
        {"key": "reported", "label": _("of which reported to the police (estimated)"),
         "cells": _interval_cells(dark["reported"], percent=False), "total": None},
        {"key": "reported_share", "label": _("share reported (%)"),
         "cells": _interval_cells(dark["reported_share"], percent=True), "total": None},
        {"key": "dark_share", "label": _("dark field: share not reported (%)"),
         "cells": _interval_cells(dark["dark_share"], percent=True), "total": None},
        {"key": "police", "label": _("police figures, pro rata for the period"),
         "cells": [cell(None if dark["police_pro_rata"] is None else round(dark["police_pro_rata"])),
                   cell(None, ""), cell(None, "")], "total": None},
        {"key": "platform", "label": _("cases reported on this platform in the period"),
         "cells": [platform_cell, cell(None, ""), cell(None, "")], "total": None},
    ]
    sentences = []
    komo_group = data["overall"][0]
    if komo_group["estimate"] is not None and komo_group["n"] >= k:
        sentences.append(_("In the survey of office and mandate holders for %(start)s to %(end)s, %(share)s %% of "
                           "mayors and district administrators said they had been met with hostility, threatened "
                           "or attacked (95 %% confidence interval %(lower)s to %(upper)s %%).") % {
            **period, "share": _percent(komo_group["estimate"]), "lower": _percent(komo_group["lower"]),
            "upper": _percent(komo_group["upper"])})
        if data["komo"] is not None:
            sentences.append((_("Nationally, KoMo found %(value)s %% in the same period (%(wave)s).")
                              if data["komo"]["same_period"] else
                              _("Nationally, KoMo's latest earlier wave (%(wave)s) found %(value)s %%.")) % {
                "value": german_number(data["komo"]["value"]), "wave": data["komo"]["wave"]})
    share = dark["reported_share"]
    if share["estimate"] is not None:
        sentences.append(_("About %(share)s %% of the incidents were reported to the police (95 %% confidence "
                           "interval %(lower)s to %(upper)s %%): most stay in the dark field.") % {
            "share": _percent(share["estimate"]), "lower": _percent(share["lower"]),
            "upper": _percent(share["upper"])})
    intro = _("Weighted for non-response by role and municipality size; groups with fewer than %(k)s answers are "
              "not shown, and nothing is given below the district. %(respondents)s answers from %(invited)s "
              "officials invited.") % {"k": k, "respondents": data["respondents"], "invited": data["invited"]}
    if wave["is_synthetic"]:
        intro += " " + _("The wave's answers are synthetic demo data.")
    return {
        "key": "officials_survey", "title": title, "state": "ready", "intro": intro, "sentences": sentences,
        "figures": {"wave": wave, "komo_group": komo_group, "komo": data["komo"],
                    "reported_share": share, "k": k},
        "tables": [
            table("officials_prevalence", _("Affected in %(start)s to %(end)s (share of respondents)") % period,
                  _("Group"), columns, rows, suppressed_rule=True,
                  note=_("Affected: verbal or written hostility, threats, physical attacks or hate posts online "
                         "(KoMo's definition); the third row also counts property damage and attacks on family.")),
            table("officials_dark_field", _("The dark field in %(start)s to %(end)s") % period, _("Figure"),
                  [("estimate", _("Estimate")), ("lower", _("95 % CI from")), ("upper", _("95 % CI to"))],
                  dark_rows, suppressed_rule=True,
                  note=_("The police count offences against every office and mandate holder of the state per "
                         "calendar year (shown pro rata); the survey counts incidents its officials experienced. "
                         "The police figures frame the estimate; they are not its denominator.")),
        ],
        "charts": [],
    }


# --- citizens' surveys -------------------------------------------------------------------------------


def _released_surveys(as_of: dt.date) -> list[dict[str, Any]]:
    from django.utils import timezone

    from kommunalschutz.surveys.findings import results, stored
    from kommunalschutz.surveys.projects.models import SurveyProject

    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    found = []
    for project in (SurveyProject.objects.filter(status=SurveyProject.Status.REPORTED, reported_at__lt=end)
                    .select_related("municipality").order_by("reported_at", "pk")):
        indicators = stored.current_indicators(project)
        found.append({
            "municipality": project.municipality.name, "year": project.year, "title": project.title,
            "reported_on": timezone.localtime(project.reported_at).date().isoformat() if project.reported_at else "",
            "indicators": {key: (None if value is None else {"estimate": value.estimate, "ci_lower": value.ci_lower,
                                                           "ci_upper": value.ci_upper, "n": value.n})
                           for key, value in indicators.items() if key in results.INDICATORS},
        })
    return found


def citizens_surveys(scope: Scope) -> Section:
    """The citizen surveys whose final report was released by the end of the period, with their key
    indicators (weighted shares with 95 % intervals; fewer than k answers are not shown)."""
    from kommunalschutz.surveys.findings import results

    projects = scope.once("citizens", lambda: _released_surveys(scope.end))
    k = scope.k
    columns = [(key, str(label)) for key, (label, _items, _codes) in results.INDICATORS.items()]
    rows = []
    in_period = 0
    for project in projects:
        reported = dt.date.fromisoformat(project["reported_on"]) if project["reported_on"] else None
        if reported is not None and reported >= scope.start:
            in_period += 1
        cells = [cell(None, day(reported) if reported else "\N{EN DASH}")]
        for key, _label in columns:
            value = project["indicators"].get(key)
            if value is None:
                cells.append(cell(None))
            elif value["n"] < k:
                cells.append(cell(None, f"<{k}", suppressed=True))
            else:
                cells.append(cell(round(100 * value["estimate"], 1), "{} % ({}\N{EN DASH}{})".format(
                    german_number(100 * value["estimate"], 1), german_number(100 * value["ci_lower"], 1),
                    german_number(100 * value["ci_upper"], 1))))
        rows.append({"key": f"{project['municipality']}-{project['year']}",
                     "label": f"{project['municipality']} ({project['year']})", "cells": cells, "total": None})
    sentences = [ngettext(
        "By %(date)s %(n)s citizen survey had released its final report, %(period)s of them in the period.",
        "By %(date)s %(n)s citizen surveys had released their final report, %(period)s of them in the period.",
        len(projects)) % {"date": day(scope.end), "n": len(projects), "period": in_period}]
    return {
        "key": "citizens_surveys", "title": _("Citizen surveys"), "state": "ready" if projects else "empty",
        "intro": _("Security analyses with a released final report: the key indicators, weighted shares with "
                   "their confidence intervals (95 per cent)."),
        "sentences": sentences, "figures": {"released": len(projects), "released_in_period": in_period},
        "tables": [table("citizens_indicators", _("Key indicators of the released citizen surveys"),
                         _("Municipality (survey year)"), [("reported_on", _("Final report released on")), *columns],
                         rows, note=_("Values based on fewer than %(k)s answers are not shown.") % {"k": k},
                         suppressed_rule=True)] if projects else [],
        "charts": [],
    }


# The report's sections, in order.
BUILDERS: list[tuple[str, Callable[[Scope], Section]]] = [
    ("alliance", alliance),
    ("protection", protection),
    ("officials_survey", officials_survey),
    ("citizens_surveys", citizens_surveys),
]


# --- the press release --------------------------------------------------------------------------------


def press_sentences(alliance_section: Section, protection_section: Section | None = None,
                    officials_section: Section | None = None) -> list[str]:
    """The figures of the date in sentences, as the ministry's press office writes them (27 Feb 2024:
    "Heute sind es 56 Kommunen. Seit dem Start gab es 144 Beratungen …")."""
    end = alliance_section["figures"]["end"]
    models = end["model_municipalities"]
    members = end["member_municipalities"]
    sentences = []
    if models:
        sentences.append(ngettext("%(n)s municipality has been part of the network from the start.",
                                  "%(n)s municipalities have been part of the network from the start.", models)
                         % {"n": german_number(models)})
    sentences.append(ngettext("Today there is %(n)s municipality.", "Today there are %(n)s municipalities.",
                              members) % {"n": german_number(members)})
    counts = (end["consultations"], end["coaching_processes"], end["prevention_councils"], end["security_analyses"])
    if any(counts):
        sentences.append(_(
            "Since the start there have been %(consultations)s consultations on the offers of the state strategy, "
            "%(coaching)s coaching processes, %(councils)s crime prevention councils have formed and %(analyses)s "
            "security analyses have been carried out.") % {
            "consultations": german_number(counts[0]), "coaching": german_number(counts[1]),
            "councils": german_number(counts[2]), "analyses": german_number(counts[3])})
    else:
        sentences.append(_("Consultations, coaching processes, prevention councils and security analyses are still "
                           "to come."))
    if protection_section is not None:
        sentences.extend(protection_section["sentences"])
    if officials_section is not None:
        sentences.extend(officials_section["sentences"])
    return sentences


def build_edition(start: dt.date, end: dt.date, edition: str, *, k: int, shared: dict[str, Any],
                  on_section: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every section of one edition, in order, and the press release written from them."""
    scope = Scope(start=start, end=end, edition=edition, k=k, shared=shared)
    sections = []
    for key, builder in BUILDERS:
        sections.append(builder(scope))
        if on_section is not None:
            on_section(key)
    by_key = {section["key"]: section for section in sections}
    return {"edition": edition, "start": start.isoformat(), "end": end.isoformat(), "min_cell": k,
            "sections": sections,
            "press": press_sentences(by_key["alliance"], by_key.get("protection"), by_key.get("officials_survey"))}


def all_tables(content: dict[str, Any]) -> list[tuple[Section, Table]]:
    return [(section, found) for section in content["sections"] for found in section["tables"]]


def find_table(content: dict[str, Any], key: str) -> Table | None:
    return next((found for _section, found in all_tables(content) if found["key"] == key), None)


def flat_rows(found: Table) -> list[list[Any]]:
    """A table in long form for CSV/XLSX: row, column, value (empty when suppressed), suppressed flag."""
    yes = _("yes")
    total = _("Total")
    lines: list[list[Any]] = []

    def add(row_label: str, column_label: str, entry: Cell | None) -> None:
        if entry is None:
            return
        shown = entry["display"] if not entry["suppressed"] else None
        value = entry["value"] if entry["value"] is not None else shown
        lines.append([row_label, column_label, value, yes if entry["suppressed"] else ""])

    for row in found["rows"]:
        for (_key, label), entry in zip(found["columns"], row["cells"], strict=False):
            add(row["label"], label, entry)
        add(row["label"], total, row.get("total"))
    for (_key, label), entry in zip(found["columns"], found.get("column_totals") or [], strict=False):
        add(total, label, entry)
    add(total, total, found.get("grand_total"))
    return lines

