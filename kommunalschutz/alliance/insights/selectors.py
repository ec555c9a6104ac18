"""Reads of the insights app: the public map layer and the office's operational lists.

The map layer holds only public facts: the dates a municipality (or district) passed a building
block of the alliance, agreement signing and termination dates, the first day of coaching and of a
security analysis, and the prevention councils with the contact they agreed to publish. Notes,
people, documents, agreement sections and every other internal field stay out. The client derives
the state for any date from these dates, so the replay of the alliance's growth needs no refetch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Max, Min, Q, QuerySet, Value, When

from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.alliance.engagements.models import (
    AnalysisPhase,
    Engagement,
    FollowUpTask,
    FundingApplication,
    OfferType,
)
from kommunalschutz.alliance.programme.lifecycle import membership_periods
from kommunalschutz.alliance.programme.models import AgreementReview, CooperationAgreement, MembershipTransition, Stage
from kommunalschutz.foundation.core.collation import german_sort_key
from kommunalschutz.foundation.core.dataversion import LocalCache, joined, token
from kommunalschutz.foundation.registry.models import District, Municipality

# The building blocks of the public map in the order of precedence for a municipality's colour:
# the first block (among those switched on) that a municipality has on the date decides its colour.
BLOCKS = ("model", "security_analysis", "coaching", "member", "contacted")
SIGNED_STATES = (CooperationAgreement.Status.SIGNED, CooperationAgreement.Status.TERMINATED)
_SYNTHETIC = Max(Case(When(is_synthetic=True, then=Value(1)), default=Value(0), output_field=IntegerField()))


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Targets:
    """Municipalities and districts met in the rows, keyed by id, each with its public facts."""

    def __init__(self) -> None:
        self.found: dict[tuple[bool, int], dict[str, Any]] = {}

    def get(self, municipality_id: int | None, district_id: int | None) -> dict[str, Any]:
        key = (True, municipality_id) if municipality_id is not None else (False, district_id or 0)
        target = self.found.get(key)
        if target is None:
            target = self.found[key] = {
                "contacted": None, "model": None, "member": [], "agreements": [],
                "coaching": None, "security_analysis": None, "councils": [], "synthetic": False,
            }
        return target

    def resolve(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]],
                               dict[tuple[bool, int], tuple[str, str]]]:
        """The targets keyed by AGS, with names: one query per kind met, none for a kind not met.

        Every municipality's name is read (about 11,000 rows in Germany) rather than an IN list of
        that length; the result also maps each target's key to its (AGS, name) for the councils.
        """
        municipalities: dict[str, dict[str, Any]] = {}
        districts: dict[str, dict[str, Any]] = {}
        names: dict[tuple[bool, int], tuple[str, str]] = {}
        if any(is_municipality for is_municipality, _ in self.found):
            rows = {row[0]: row[1:] for row in Municipality.objects.values_list(
                "pk", "ags", "name", "district__ags", "district__name").order_by()}
            for (is_municipality, pk), facts in self.found.items():
                if is_municipality:
                    ags, name, district, district_name = rows[pk]
                    municipalities[ags] = {"name": name, "district": district, "district_name": district_name,
                                           **facts}
                    names[True, pk] = (ags, name)
        if not all(is_municipality for is_municipality, _ in self.found):
            district_rows = {row[0]: row[1:] for row in District.objects.values_list("pk", "ags", "name").order_by()}
            for (is_municipality, pk), facts in self.found.items():
                if not is_municipality:
                    ags, name = district_rows[pk]
                    districts[ags] = {"name": name, "district": ags, "district_name": name, **facts}
                    names[False, pk] = (ags, name)
        return dict(sorted(municipalities.items())), dict(sorted(districts.items())), names


def _known(queryset: QuerySet[Any], date_field: str, as_of: dt.date | None) -> QuerySet[Any]:
    return queryset.filter(**{f"{date_field}__lte": as_of}) if as_of is not None else queryset


def _until(end: dt.date | None, as_of: dt.date | None) -> dt.date | None:
    """An end after as_of was not yet known on as_of."""
    return end if as_of is None or end is None or end <= as_of else None


def map_layer(as_of: dt.date | None = None) -> dict[str, Any]:
    """The public map's data: per AGS the dates each building block began (and ended), and the councils.

    With ``as_of``, only what had happened by then: later transitions, agreements, engagements and
    councils are left out, and a termination or dissolution after it is not yet known. At most seven
    queries, whatever the number of municipalities: aggregates where the rows would be many, and the
    names looked up once at the end.
    """
    targets = _Targets()

    transitions = _known(MembershipTransition.objects.all(), "date", as_of)
    for municipality_id, district_id, first, model, synthetic in transitions.values_list(
            "municipality_id", "district_id").annotate(
            first=Min("date"), model=Min("date", filter=Q(stage=Stage.MODEL)), synthetic=_SYNTHETIC).order_by():
        target = targets.get(municipality_id, district_id)
        target["contacted"] = _iso(first)
        target["model"] = _iso(model)
        target["synthetic"] |= bool(synthetic)

    histories: dict[tuple[int | None, int | None], list[tuple[dt.date, str]]] = defaultdict(list)
    for municipality_id, district_id, stage, date in transitions.filter(
            stage__in=[Stage.MEMBER, Stage.LEFT]).values_list("municipality_id", "district_id", "stage", "date"
                                                             ).order_by():
        histories[municipality_id, district_id].append((date, stage))
    for (municipality_id, district_id), history in histories.items():
        targets.get(municipality_id, district_id)["member"] = [
            [_iso(start), _iso(end)] for start, end in membership_periods(history)]

    agreements = _known(CooperationAgreement.objects.filter(status__in=SIGNED_STATES, signed_on__isnull=False),
                        "signed_on", as_of)
    for municipality_id, district_id, signed_on, terminated_on, synthetic in agreements.values_list(
            "municipality_id", "district_id", "signed_on", "terminated_on", "is_synthetic").order_by(
            "signed_on", "pk"):
        target = targets.get(municipality_id, district_id)
        target["agreements"].append([_iso(signed_on), _iso(_until(terminated_on, as_of))])
        target["synthetic"] |= synthetic

    engagements = _known(
        Engagement.objects.exclude(status=Engagement.Status.CANCELLED).filter(
            offer_type__kind__in=[OfferType.Kind.COACHING, OfferType.Kind.SECURITY_ANALYSIS]),
        "started_on", as_of)
    for municipality_id, district_id, kind, first, synthetic in engagements.values_list(
            "municipality_id", "district_id", "offer_type__kind").annotate(
            first=Min("started_on"), synthetic=_SYNTHETIC).order_by():
        target = targets.get(municipality_id, district_id)
        target["coaching" if kind == OfferType.Kind.COACHING else "security_analysis"] = _iso(first)
        target["synthetic"] |= bool(synthetic)

    council_rows = list(_known(PreventionCouncil.objects.all(), "established_on", as_of).values(
        "pk", "municipality_id", "district_id", "name", "establishment", "established_on", "dissolved_on",
        "is_synthetic", "contact_is_public", "contact_name", "contact_function", "contact_email",
        "contact_phone", "contact_address",
    ).order_by("established_on", "pk"))
    for row in council_rows:
        targets.get(row["municipality_id"], row["district_id"])["councils"].append(row["pk"])

    municipalities, districts, names = targets.resolve()
    councils = []
    for row in council_rows:
        is_municipality = row["municipality_id"] is not None
        ags, target_name = names[is_municipality, row["municipality_id"] if is_municipality else row["district_id"]]
        councils.append({
            "id": row["pk"],
            "name": row["name"],
            "target": ags,
            "target_kind": "municipality" if is_municipality else "district",
            "target_name": target_name,
            "establishment": row["establishment"],
            "established_on": _iso(row["established_on"]),
            "dissolved_on": _iso(_until(row["dissolved_on"], as_of)),
            # Only what the council agreed to publish.
            "contact": {
                "name": row["contact_name"], "function": row["contact_function"], "email": row["contact_email"],
                "phone": row["contact_phone"], "address": row["contact_address"],
            } if row["contact_is_public"] else None,
            "synthetic": row["is_synthetic"],
        })
    return {
        "as_of": _iso(as_of),
        "blocks": list(BLOCKS),
        "municipalities": municipalities,
        "districts": districts,
        "councils": councils,
    }


MAP_SCOPES = ("registry", "alliance_map")  # the data versions the whole layer depends on (decision 0033)
_layers: LocalCache[str, dict[str, Any]] = LocalCache(entries=2, size=2, size_of=lambda _: 1)


def cached_map_layer() -> dict[str, Any]:
    """``map_layer()`` built once per data version of the registry and the map's tables, in this process
    (one query for the tokens). Without tokens (an emptied table) it is built every time."""
    key = token(joined(*MAP_SCOPES))
    if key is None:
        return map_layer()
    layer = _layers.get(key)
    if layer is None:
        layer = map_layer()
        _layers.put(key, layer)
    return layer


def layer_lands(layer: dict[str, Any]) -> set[str]:
    """The Länder (two-digit keys) of the municipalities and districts the layer holds."""
    return {ags[:2] for ags in (*layer["municipalities"], *layer["districts"])}


# --- the state on one date (the JavaScript in static/js/insights/public_map.js does the same) -------


def _since(start: str | None, date: str) -> str | None:
    return start if start is not None and start <= date else None


def _running_since(periods: list[list[str | None]], date: str) -> str | None:
    for start, end in periods:
        if start is not None and start <= date and (end is None or end > date):
            return start
    return None


@dataclass
class MapRow:
    """One municipality or district on one date: since when it has each building block (None: not)."""

    ags: str
    kind: str
    name: str
    district: str
    district_name: str
    synthetic: bool
    since: dict[str, str | None]
    agreement: str | None
    councils: list[dict[str, Any]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return any(self.since.values()) or bool(self.councils)


def state_on(layer: dict[str, Any], date: dt.date) -> list[MapRow]:
    """Every municipality and district with a building block or a council on ``date``, by name."""
    day = date.isoformat()
    running: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for council in layer["councils"]:
        if council["established_on"] <= day and (council["dissolved_on"] is None or council["dissolved_on"] > day):
            running.setdefault((council["target_kind"], council["target"]), []).append(council)
    rows: list[MapRow] = []
    for kind, targets in (("municipality", layer["municipalities"]), ("district", layer["districts"])):
        for ags, target in targets.items():
            agreement = _running_since(target["agreements"], day)
            row = MapRow(
                ags=ags, kind=kind, name=target["name"], district=target["district"],
                district_name=target["district_name"], synthetic=target["synthetic"],
                since={
                    "contacted": _since(target["contacted"], day),
                    "model": _since(target["model"], day),
                    "member": _running_since(target["member"], day),
                    "coaching": _since(target["coaching"], day),
                    "security_analysis": _since(target["security_analysis"], day),
                },
                agreement=agreement,
                councils=running.get((kind, ags), []),
            )
            if row.any or row.agreement:
                rows.append(row)
    rows.sort(key=lambda row: (row.kind != "municipality", german_sort_key(row.name), row.name))
    return rows


def rows_named(rows: list[MapRow], query: str) -> list[MapRow]:
    """The rows whose name contains ``query`` (case and accents as written, case-insensitive)."""
    if not query:
        return rows
    needle = query.casefold()
    return [row for row in rows if needle in row.name.casefold()]


def block_counts(rows: list[MapRow]) -> dict[str, int]:
    """Municipalities per building block (districts are not coloured on the map), and running councils."""
    counts = {block: sum(1 for row in rows if row.kind == "municipality" and row.since[block]) for block in BLOCKS}
    counts["council"] = sum(len(row.councils) for row in rows)
    return counts


# --- the coordination office's operational lists (dashboard) ----------------------------------------


def agreement_reviews_due(today: dt.date, *, days: int = 30) -> list[AgreementReview]:
    """Open reviews that are overdue or due within ``days``, oldest first."""
    return list(
        AgreementReview.objects.filter(completed_on__isnull=True, due_on__lte=today + dt.timedelta(days=days),
                                       agreement__status=CooperationAgreement.Status.SIGNED)
        .select_related("agreement__municipality", "agreement__district")
        .only("due_on", "agreement__title", "agreement__municipality__name", "agreement__district__name")
        .order_by("due_on", "pk")
    )


def overdue_analysis_phases(today: dt.date) -> list[AnalysisPhase]:
    return list(
        AnalysisPhase.objects.filter(planned_end__lt=today, actual_end__isnull=True)
        .exclude(analysis__engagement__status=Engagement.Status.CANCELLED)
        .select_related("analysis__engagement__municipality", "analysis__engagement__district")
        .only("phase", "planned_end", "analysis__engagement__title", "analysis__engagement__municipality__name",
              "analysis__engagement__district__name")
        .order_by("planned_end", "pk")
    )


def overdue_follow_up_tasks(today: dt.date) -> list[FollowUpTask]:
    return list(
        FollowUpTask.objects.filter(due_on__lt=today, completed_on__isnull=True)
        .select_related("consultation__engagement__municipality", "consultation__engagement__district")
        .only("title", "assignee", "due_on", "consultation__engagement__title",
              "consultation__engagement__municipality__name", "consultation__engagement__district__name")
        .order_by("due_on", "pk")
    )


def pending_funding_applications() -> list[FundingApplication]:
    return list(
        FundingApplication.objects.filter(decision=FundingApplication.Decision.PENDING)
        .exclude(engagement__status=Engagement.Status.CANCELLED)
        .select_related("engagement__municipality", "engagement__district")
        .only("project_title", "funding_year", "requested_amount", "submitted_on", "engagement__title",
              "engagement__municipality__name", "engagement__district__name")
        .order_by("submitted_on", "pk")
    )
