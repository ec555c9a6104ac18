"""Estimates of the officials' survey: non-response weighting, prevalence with confidence intervals, the
share reported to the police and the comparison with KoMo (docs/surveys/officials.md).

Weighting. Every official of the frame is invited (a census of the frame), so the design is a stratified
one with a finite population correction: the strata are the weighting cells role x municipality size class,
``fpc`` the number of officials of the cell in the frame (letters: the frame entries; open links: the
persons the municipality addressed). The weight of a respondent is N_h / n_h, the non-response
adjustment within the cell. A cell with fewer than ``MIN_RESPONDENTS`` respondents is merged with the
neighbouring size class of the same role (in size order) until every cell has enough; a role without
enough respondents at all is left out of the estimates and named. In R:
``svydesign(ids=~1, strata=~cell, fpc=~N, data=d)``; the tests compare every figure with R.

Suppression as in the case statistics: no estimate from fewer than STATISTICS_MIN_CELL respondents, and
no result below the district (the answers do not even record the municipality).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kommunalschutz.foundation.registry.models import District
from kommunalschutz.surveys.officials import item_bank
from kommunalschutz.surveys.officials.models import (
    FULL_TIME_ROLES,
    KOMO_ROLES,
    Gender,
    OfficialRole,
    OpenLink,
    Response,
    SizeClass,
    Wave,
    size_class_of,
)
from kommunalschutz.surveys.projects import estimation as est

MIN_RESPONDENTS = 2  # per weighting cell (a stratum needs two for a variance; R refuses a lonely PSU)
SIZE_ORDER = [str(size) for size in SizeClass]


def min_cell() -> int:
    return int(settings.STATISTICS_MIN_CELL)


@dataclass(frozen=True)
class Share:
    """One estimated share (0..1) in one group; ``suppressed`` when the group has too few respondents."""

    key: str
    label: str
    n: int
    estimate: float | None
    lower: float | None
    upper: float | None

    @property
    def suppressed(self) -> bool:
        return self.estimate is None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "n": self.n if self.n >= min_cell() else None,
                "estimate": self.estimate, "lower": self.lower, "upper": self.upper, "suppressed": self.suppressed}


@dataclass(frozen=True)
class Total:
    """An estimated total (or ratio) with its 95 % confidence interval."""

    estimate: float | None
    lower: float | None
    upper: float | None
    n: int

    def as_dict(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "lower": self.lower, "upper": self.upper}


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    invited: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


@dataclass
class Sample:
    """The answers of a wave as columns, with the weighting cells and the design."""

    roles: list[str]
    sizes: list[str]
    districts: list[int]
    genders: list[str]
    answers: list[dict[str, Any]]
    cells: list[str]
    population: dict[str, int]
    design: est.Design | None
    left_out: list[str] = field(default_factory=list)  # roles without enough respondents
    merged: list[str] = field(default_factory=list)  # descriptions of merged cells

    @property
    def n(self) -> int:
        return len(self.roles)

    def column(self, value: Callable[[dict[str, Any]], float | None]) -> np.ndarray:
        return np.array([math.nan if (v := value(a)) is None else float(v) for a in self.answers], dtype=np.float64)


def frame_counts(wave: Wave) -> dict[tuple[str, str], int]:
    """Officials per (role, size class) in the frame: frame entries plus the persons addressed by open links."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in wave.frame.values("role", "size_class").annotate(n=Count("pk")):
        counts[(row["role"], row["size_class"])] += row["n"]
    for link in wave.open_links.select_related("municipality"):
        counts[(link.role, size_class_of(link.municipality.population))] += link.addressed
    return dict(counts)


def _merge_cells(respondents: Mapping[tuple[str, str], int], population: Mapping[tuple[str, str], int]
                 ) -> tuple[dict[tuple[str, str], str], list[str], list[str]]:
    """The weighting cell of every (role, size class): adjacent size classes of a role merged until each
    cell has MIN_RESPONDENTS respondents. Returns the mapping, the roles left out and what was merged."""
    mapping: dict[tuple[str, str], str] = {}
    left_out, merged = [], []
    roles = sorted({role for role, _size in population} | {role for role, _size in respondents})
    for role in roles:
        groups: list[list[str]] = []
        for size in SIZE_ORDER:
            if population.get((role, size), 0) or respondents.get((role, size), 0):
                groups.append([size])
        # Merge each group that lacks respondents with its neighbour (the next one; the last with the one before).
        changed = True
        while changed and len(groups) > 1:
            changed = False
            for index, group in enumerate(groups):
                if sum(respondents.get((role, size), 0) for size in group) < MIN_RESPONDENTS:
                    other = index + 1 if index + 1 < len(groups) else index - 1
                    low, high = sorted((index, other))
                    groups[low:high + 1] = [groups[low] + groups[high]]
                    changed = True
                    break
        if not groups or sum(respondents.get((role, size), 0) for group in groups for size in group) < MIN_RESPONDENTS:
            left_out.append(role)
            continue
        for group in groups:
            name = f"{role}|{'+'.join(group)}"
            if len(group) > 1:
                merged.append(name)
            for size in group:
                mapping[(role, size)] = name
    return mapping, left_out, merged


def load_sample(wave: Wave) -> Sample:
    rows = list(Response.objects.filter(wave=wave).order_by("id"))
    population_by = frame_counts(wave)
    respondents = Counter((row.role, row.size_class) for row in rows)
    mapping, left_out, merged = _merge_cells(respondents, population_by)
    kept = [row for row in rows if (row.role, row.size_class) in mapping]
    population: dict[str, int] = defaultdict(int)
    for key, count in population_by.items():
        if key in mapping:
            population[mapping[key]] += count
    cells = [mapping[(row.role, row.size_class)] for row in kept]
    design = None
    if len(kept) >= 2:
        # A cell's respondents can exceed its count only through open links answered by more people than
        # the municipality said it addressed; the cell then counts as fully answered.
        seen = Counter(cells)
        fpc = [float(max(population[cell], seen[cell])) for cell in cells]
        design = est.make_design(len(kept), strata=cells, fpc=fpc)
    return Sample(roles=[row.role for row in kept], sizes=[row.size_class for row in kept],
                  districts=[row.district_id for row in kept], genders=[row.gender for row in kept],
                  answers=[dict(row.answers) for row in kept], cells=cells, population=dict(population),
                  design=design, left_out=left_out, merged=merged)


def _share(sample: Sample, indicator: np.ndarray, mask: np.ndarray | None, key: str, label: Any) -> Share:
    label = str(label)  # a lazy translation is resolved now, in the request's language
    ok = ~np.isnan(indicator)
    n = int(np.count_nonzero(ok if mask is None else ok & mask))
    if sample.design is None or n < min_cell():
        return Share(key, label, n, None, None, None)
    values = [None if math.isnan(v) else int(v) for v in indicator]
    estimate = est.svyprop(sample.design, values, domain=mask, categories=[1, 0])[1]
    return Share(key, label, n, estimate.estimate, estimate.ci_lower, estimate.ci_upper)


def affected_komo(answers: Mapping[str, Any]) -> float | None:
    value = item_bank.affected(answers, item_bank.KOMO_FORMS)
    return None if value is None else float(value)


def affected_any(answers: Mapping[str, Any]) -> float | None:
    value = item_bank.affected(answers, item_bank.ALL_FORMS)
    return None if value is None else float(value)


def yes(code: str) -> Callable[[Mapping[str, Any]], float | None]:
    def value(answers: Mapping[str, Any]) -> float | None:
        given = answers.get(code)
        return None if given not in (1, 2) else float(given == 1)
    return value


def incidents(answers: Mapping[str, Any]) -> float | None:
    """Incidents in the reference period: 0 for someone not affected, the stated number otherwise."""
    hit = item_bank.affected(answers, item_bank.ALL_FORMS)
    if hit is None:
        return None
    if not hit:
        return 0.0
    count = answers.get("exp_count")
    return float(count) if isinstance(count, int) else None


def reported_incidents(answers: Mapping[str, Any]) -> float | None:
    total = incidents(answers)
    if total is None:
        return None
    if total == 0 or answers.get("reported_police") == 3:
        return 0.0
    count = answers.get("reported_count")
    if answers.get("reported_police") == 1 and not isinstance(count, int):
        return total
    return float(min(count, total)) if isinstance(count, int) else None


def _groups(sample: Sample) -> dict[str, list[tuple[str, str, np.ndarray]]]:
    """The breakdowns: (key, label, mask) per group of each dimension, in display order."""
    roles = np.array(sample.roles, dtype=object)
    sizes = np.array(sample.sizes, dtype=object)
    genders = np.array(sample.genders, dtype=object)
    districts = np.array(sample.districts, dtype=np.int64)
    full_time = np.array([role in FULL_TIME_ROLES for role in sample.roles], dtype=bool)
    district_names = dict(District.objects.filter(pk__in=set(sample.districts)).values_list("pk", "name"))
    return {
        "role": [(str(role), str(role.label), roles == str(role)) for role in OfficialRole],
        "full_time": [("full_time", _("full-time"), full_time), ("honorary", _("honorary"), ~full_time)],
        "size_class": [(str(size), str(size.label), sizes == str(size)) for size in SizeClass],
        "gender": [(str(gender), str(gender.label), genders == str(gender)) for gender in Gender],
        "district": [(str(pk), name, districts == pk)
                     for pk, name in sorted(district_names.items(), key=lambda item: item[1])],
    }


DIMENSIONS = {"role": gettext_lazy("role"), "full_time": gettext_lazy("full-time or honorary"),
              "size_class": gettext_lazy("municipality size"), "gender": gettext_lazy("gender"),
              "district": gettext_lazy("district")}


@dataclass
class Results:
    wave: Wave
    respondents: int
    invited: int
    rates: dict[str, list[Rate]]
    overall: Share  # KoMo's definition, all roles
    komo_group: Share  # KoMo's definition, KoMo's roles only
    any_form: Share  # any of the six forms, all roles
    breakdowns: dict[str, list[Share]]
    forms: list[Share]
    reported_any: Share  # of those affected: reported at least one incident
    consequences: list[Share]  # of those affected (strain) or of everyone
    incidents_total: Total
    reported_total: Total
    reported_ratio: Total  # incidents reported / incidents experienced
    left_out: list[str]
    merged: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "wave": self.wave.pk, "respondents": self.respondents, "invited": self.invited,
            "overall": self.overall.as_dict(), "komo_group": self.komo_group.as_dict(),
            "any_form": self.any_form.as_dict(),
            "breakdowns": {name: [share.as_dict() for share in shares] for name, shares in self.breakdowns.items()},
            "forms": [share.as_dict() for share in self.forms],
            "reported_any": self.reported_any.as_dict(),
            "consequences": [share.as_dict() for share in self.consequences],
            "incidents_total": self.incidents_total.as_dict(), "reported_total": self.reported_total.as_dict(),
            "reported_ratio": self.reported_ratio.as_dict(),
        }


def _total(sample: Sample, estimate: Callable[..., est.Estimate], *columns: np.ndarray) -> Total:
    ok = np.all([~np.isnan(column) for column in columns], axis=0)
    n = int(np.count_nonzero(ok))
    if sample.design is None or n < min_cell():
        return Total(None, None, None, n)
    result = estimate(sample.design, *columns)
    if math.isnan(result.estimate):
        return Total(None, None, None, n)
    return Total(result.estimate, result.ci_lower, result.ci_upper, n)


def response_rates(wave: Wave) -> dict[str, list[Rate]]:
    """Invited and answered per role and per district (letters: used codes; open links: answers received)."""
    by_role: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_district: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in wave.frame.values("role", "district_id", "used").annotate(n=Count("pk")):
        for bucket in (by_role[row["role"]], by_district[row["district_id"]]):
            bucket[0] += row["n"]
            bucket[1] += row["n"] if row["used"] else 0
    for row in (wave.open_links.values("role", "municipality__district_id")
                .annotate(addressed=Sum("addressed"), answered=Sum("responses"))):
        for bucket in (by_role[row["role"]], by_district[row["municipality__district_id"]]):
            bucket[0] += row["addressed"]
            bucket[1] += row["answered"]
    names = dict(District.objects.filter(pk__in=by_district).values_list("pk", "name"))
    labels = dict(OfficialRole.choices)
    return {
        "role": [Rate(role, str(labels[role]), *by_role[role]) for role in OfficialRole.values if role in by_role],
        "district": [Rate(str(pk), names[pk], *counts)
                     for pk, counts in sorted(by_district.items(), key=lambda item: names[item[0]])],
    }


FORM_LABELS = {
    "exp_verbal": gettext_lazy("verbal or written hostility"),
    "exp_threat": gettext_lazy("threats"),
    "exp_physical": gettext_lazy("physical attacks"),
    "exp_online": gettext_lazy("hate posts online"),
    "exp_property": gettext_lazy("property damage"),
    "exp_family": gettext_lazy("attacks on family members"),
}


def compute(wave: Wave) -> Results:
    sample = load_sample(wave)
    komo = sample.column(affected_komo)
    rates = response_rates(wave)
    groups = _groups(sample)
    breakdowns = {name: [_share(sample, komo, mask, key, label) for key, label, mask in entries]
                  for name, entries in groups.items()}
    in_komo_roles = np.array([role in KOMO_ROLES for role in sample.roles], dtype=bool)
    any_form = sample.column(affected_any)
    affected_mask = any_form == 1.0
    forms = [_share(sample, sample.column(yes(code)), None, code, label)
             for code, label in FORM_LABELS.items()]
    reported = sample.column(lambda a: None if a.get("reported_police") not in (1, 2, 3)
                             else float(a.get("reported_police") in (1, 2)))
    consequences = [
        _share(sample, sample.column(yes("cons_strain")), affected_mask, "cons_strain",
               _("psychological strain (of those affected)")),
        _share(sample, sample.column(yes("cons_fear")), None, "cons_fear", _("fear for oneself or the family")),
        _share(sample, sample.column(yes("cons_withdrawal")), None, "cons_withdrawal",
               _("withdrew from topics or appearances")),
        _share(sample, sample.column(lambda a: None if a.get("cons_not_stand") not in (1, 2, 3)
                                     else float(a.get("cons_not_stand") == 1)), None, "cons_not_stand",
               _("will not stand again")),
        _share(sample, sample.column(yes("cons_resign")), None, "cons_resign", _("considered resigning")),
    ]
    experienced, reported_counts = sample.column(incidents), sample.column(reported_incidents)
    invited = sum(rate.invited for rate in rates["role"])
    return Results(
        wave=wave, respondents=sample.n, invited=invited, rates=rates,
        overall=_share(sample, komo, None, "all", _("all respondents")),
        komo_group=_share(sample, komo, in_komo_roles, "komo", _("mayors and district administrators")),
        any_form=_share(sample, any_form, None, "any", _("any of the six forms")),
        breakdowns=breakdowns, forms=forms,
        reported_any=_share(sample, reported, affected_mask, "reported_any",
                            _("reported at least one incident to the police")),
        consequences=consequences,
        incidents_total=_total(sample, est.svytotal, experienced),
        reported_total=_total(sample, est.svytotal, reported_counts),
        reported_ratio=_total(sample, est.svyratio, reported_counts, experienced),
        left_out=[str(OfficialRole(role).label) for role in sample.left_out],
        merged=sample.merged,
    )


def trend(until: Wave | None = None) -> list[tuple[Wave, Share]]:
    """KoMo's share for KoMo's roles in every closed wave (oldest first), up to ``until``."""
    waves = Wave.objects.filter(status=Wave.Status.CLOSED).order_by("reference_start")
    if until is not None:
        waves = waves.filter(reference_start__lte=until.reference_start)
    result = []
    for wave in waves:
        sample = load_sample(wave)
        mask = np.array([role in KOMO_ROLES for role in sample.roles], dtype=bool)
        result.append((wave, _share(sample, sample.column(affected_komo), mask, "komo", wave.title)))
    return result


def frame_summary(wave: Wave) -> list[dict[str, Any]]:
    """The frame by role and source, with the open links (for the coordination office's page)."""
    rows: dict[str, dict[str, Any]] = {}
    labels = dict(OfficialRole.choices)
    for row in wave.frame.values("role", "source").annotate(n=Count("pk")):
        entry = rows.setdefault(row["role"], {"role": labels[row["role"]], "registry": 0, "upload": 0, "links": 0})
        entry[row["source"]] += row["n"]
    for row in OpenLink.objects.filter(wave=wave).values("role").annotate(n=Sum("addressed")):
        entry = rows.setdefault(row["role"], {"role": labels[row["role"]], "registry": 0, "upload": 0, "links": 0})
        entry["links"] += row["n"]
    return [rows[role] for role in OfficialRole.values if role in rows]

