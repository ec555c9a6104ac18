"""Answers of a practice project's synthetic population, with realistic non-response.

A practice project (a synthetic survey project, ``is_synthetic``) in the field can let the rest of its
sample answer (the project page's "simulate the remaining answers"; the demo's finished run uses the
same function). Every answer goes through :func:`record_response` like any other. The answers follow a
simple latent model, so the results look like a real security analysis:

- Each person has a latent insecurity (normal, higher for women and for older people) and a latent
  dissatisfaction correlated with it. 5-point items of the safety, places, fear and disorder blocks rise
  with insecurity; life, trust and enforcement items with dissatisfaction (1 is the positive end of every
  scale of the item bank).
- Response propensity rises with age (16-24: 28 %, 65-74: 58 %) and is a little higher for women
  (DOMAIN.md §2.4 surveys report roughly 30-50 % response); about 2 % of letters come back undeliverable.
  The young answer online more often, the old by post.
- "Don't use" / "don't know" are chosen now and then where allowed; filters are respected (an item whose
  filter is not met is left out).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.selectors import current_questionnaire
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.responses.recording import record_response
from kommunalschutz.surveys.sampling.letters import mark_undeliverable
from kommunalschutz.surveys.sampling.models import SampleMember

BERLIN = ZoneInfo("Europe/Berlin")
RESPONSE_SEED = 2026

RESPONSE_PROPENSITY = {"16-24": 0.28, "25-34": 0.32, "35-44": 0.40, "45-54": 0.45, "55-64": 0.52,
                       "65-74": 0.58, "75+": 0.45}
ONLINE_SHARE = {"16-24": 0.65, "25-34": 0.6, "35-44": 0.45, "45-54": 0.35, "55-64": 0.25, "65-74": 0.12,
                "75+": 0.05}
UNDELIVERABLE = 0.02
INSECURITY_BLOCKS = {"safety", "places", "fear", "disorder"}
AGE_INDEX = {"16-24": 0, "25-34": 1, "35-44": 2, "45-54": 3, "55-64": 4, "65-74": 5, "75+": 6}
# DATA: invented free-text answers of simulated (German) residents, stored as their answers; not
# interface text, so no gettext. Likewise the German word stems matched against the answer labels below.
FREE_TEXTS = ("Mehr Beleuchtung am Bahnhof.", "Die Straßen im Ortsteil sind abends sehr dunkel.",
              "Mehr Präsenz von Polizei und Ordnungsamt am Wochenende.", "Ich fühle mich hier sicher.",
              "Raser auf der Hauptstraße.", "Müll an den Containerstellplätzen.")


@dataclass(frozen=True)
class Person:
    """What the simulation knows of a sample member: the stratum from the register."""

    number: int
    locality: str
    age_group: str
    sex: str


@dataclass(frozen=True)
class Outcome:
    number: int
    status: str  # "online", "post", "undeliverable" or "sent" (no answer)
    answers: dict[str, Any]


def _scale(rng: random.Random, centre: float, latent: float, item: Any) -> int:
    if item.allow_dont_use and rng.random() < 0.04:
        return 8
    if item.allow_dont_know and rng.random() < 0.03:
        return 9
    value = rng.gauss(centre + 1.1 * latent, 0.85)
    return int(min(5, max(1, round(value))))


def _answer(rng: random.Random, item: Any, person: Person, insecurity: float, discontent: float,
            localities: Sequence[str]) -> Any:
    codes = [int(option["code"]) for option in (item.options or [])]
    code_name = item.code.lower()
    if item.block == "demographics":
        # Demographic questions answered as registered (with the odd refusal).
        if rng.random() < 0.03:
            return None
        labels = [str(option.get("de", "")) for option in item.options or []]
        if "alter" in code_name or "age" in code_name:
            if item.kind == "number":
                low = {0: 16, 1: 25, 2: 35, 3: 45, 4: 55, 5: 65, 6: 75}[AGE_INDEX[person.age_group]]
                return rng.randint(low, low + 9)
            index = AGE_INDEX[person.age_group]
            return codes[min(index, len(codes) - 1)] if codes else None
        if "geschlecht" in code_name or "sex" in code_name or "gender" in code_name:
            wanted = {"w": ("weib", "frau"), "m": ("männ", "mann"), "d": ("divers", "ander")}[person.sex]
            for code, label in zip(codes, labels, strict=False):
                if any(part in label.lower() for part in wanted):
                    return code
            return codes[-1] if codes else None
        if "ortsteil" in code_name or "locality" in code_name:
            for code, label in zip(codes, labels, strict=False):
                if label == person.locality:
                    return code
            return codes[-1] if codes else None
    if item.kind == "scale":
        latent = insecurity if item.block in INSECURITY_BLOCKS else discontent
        centre = {"safety": 2.2, "places": 2.4, "fear": 2.3, "disorder": 2.6, "life": 2.0, "trust": 2.4,
                  "enforcement": 3.0}.get(item.block, 2.5)
        return _scale(rng, centre, latent, item)
    if item.kind == "single":
        if not codes:
            return None
        if len(codes) == 2:  # yes / no (victimisation: about 1 in 12 per offence, reporting: about half)
            yes = 0.08 + 0.04 * max(0.0, insecurity) if item.block == "victimisation" else 0.5
            return codes[0] if rng.random() < yes else codes[1]
        weights = [math.exp(-0.5 * index + (0.3 * insecurity * index / len(codes))) for index in range(len(codes))]
        return rng.choices(codes, weights)[0]
    if item.kind == "multiple":
        chosen = [code for code in codes if rng.random() < 0.15 + 0.1 * max(0.0, insecurity)]
        return chosen or None
    if item.kind == "number":
        low = item.minimum if item.minimum is not None else 0
        high = item.maximum if item.maximum is not None else 100
        return rng.randint(low, min(high, max(low, low + 40)))
    if item.kind == "text":
        return rng.choice(FREE_TEXTS) if rng.random() < 0.12 else None
    return None


def _filter_met(item: Any, answers: dict[str, Any]) -> bool:
    condition = item.show_if
    if not condition:
        return True
    given = answers.get(condition.get("item"))
    wanted = set(condition.get("values") or [])
    if isinstance(given, list):
        return bool(wanted & set(given))
    return given in wanted


def simulate(people: Iterable[Person], items: Sequence[Any], *, seed: int = 2026) -> list[Outcome]:
    """The outcome of each letter and, for respondents, their answers (filters respected)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    outcomes: list[Outcome] = []
    ordered = sorted(items, key=lambda item: item.position)
    localities: list[str] = []
    for person in people:
        if rng.random() < UNDELIVERABLE:
            outcomes.append(Outcome(person.number, "undeliverable", {}))
            continue
        propensity = RESPONSE_PROPENSITY[person.age_group] + (0.03 if person.sex == "w" else 0.0)
        if rng.random() >= propensity:
            outcomes.append(Outcome(person.number, "sent", {}))
            continue
        age = AGE_INDEX[person.age_group]
        insecurity = rng.gauss(0.0, 0.6) + (0.35 if person.sex == "w" else 0.0) + 0.06 * age
        discontent = 0.5 * insecurity + rng.gauss(0.0, 0.5)
        answers: dict[str, Any] = {}
        for item in ordered:
            if not _filter_met(item, answers):
                continue
            if rng.random() < 0.02 and not item.required:
                continue  # item non-response
            value = _answer(rng, item, person, insecurity, discontent, localities)
            if value is not None:
                answers[item.code] = value
        channel = "online" if rng.random() < ONLINE_SHARE[person.age_group] else "post"
        outcomes.append(Outcome(person.number, channel, answers))
    return outcomes


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def simulate_answers(*, actor: Actor, project: SurveyProject, seed: int = RESPONSE_SEED,
                     waves: tuple[tuple[dt.date, dt.date], ...] | None = None,
                     between_waves: Callable[[], Any] | None = None,
                     progress: Progress | None = None) -> dict[str, int]:
    """Answer the letters of a synthetic project in the field as its population would.

    Members who already answered are left alone. Each outcome is drawn once; respondents are spread over
    ``waves`` (date ranges: after the letters, after each reminder; 60 / 25 / 15 % of the answers) and
    ``between_waves()`` runs before each later wave (the demo sends the reminders there). Returns
    counts per outcome.
    """
    if not project.is_synthetic:
        raise ValueError("Answers are simulated for synthetic demo projects only.")
    questionnaire = current_questionnaire(project)
    assert questionnaire is not None
    items = list(questionnaire.items.all())
    progress = progress or Progress()
    progress.update(0, 0, _("the answers are being drawn …"))
    waiting = list(project.sample.members.filter(status=SampleMember.Status.SENT).order_by("number"))
    outcomes = simulate([Person(m.number, m.locality, m.age_group, m.sex) for m in waiting], items, seed=seed)
    members = {m.number: m for m in waiting}
    today = timezone.localdate()
    waves = waves or ((today, today),)
    shares = (0.60, 0.25, 0.15)[:len(waves)] if len(waves) <= 3 else tuple(1 / len(waves) for _ in waves)
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    by_wave: list[list[Outcome]] = [[] for _ in waves]
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.status == "undeliverable":
            mark_undeliverable(actor=actor, project=project, number=outcome.number)
        elif outcome.status in ("online", "post"):
            by_wave[rng.choices(range(len(waves)), shares)[0]].append(outcome)
    total = sum(len(arrivals) for arrivals in by_wave)
    recorded = 0
    progress.update(0, total, _("answers recorded"))
    for number, ((start, end), arrivals) in enumerate(zip(waves, by_wave, strict=True)):
        if number and between_waves is not None:
            between_waves()
        span = max(0, (end - start).days)
        for index, outcome in enumerate(arrivals):
            # Most answers of a wave arrive in its first days.
            offset = int(span * (index / max(1, len(arrivals))) ** 2)
            record_response(
                actor=actor, member=members[outcome.number], answers=outcome.answers,
                channel=Response.Channel.ONLINE if outcome.status == "online" else Response.Channel.PAPER,
                questionnaire=questionnaire, submitted_at=_aware(start + dt.timedelta(days=offset), 9 + index % 10))
            recorded += 1
            progress.update(recorded, total, _("answers recorded"))
    return counts


SIMULATE_OPERATION = "responses.simulate"


def start_simulation(*, actor: Actor, project: SurveyProject) -> TaskRun:
    """Check that answers may be simulated (German errors otherwise, nothing queued) and queue the
    simulation as a background operation with progress (decision 0024); a simulation of this project
    already queued or running is returned instead of a second one."""
    from kommunalschutz.foundation.core.services import start_operation

    check_simulation(project)
    pending = (TaskRun.objects.filter(kind=SIMULATE_OPERATION, result__arguments__project_id=project.pk,
                                      status__in=[TaskRun.Status.QUEUED, TaskRun.Status.RUNNING])
               .order_by("-created_at").first())
    if pending is not None:
        return pending
    label = _("Simulated answers: %(title)s") % {"title": project.title}
    return start_operation(actor=actor, kind=SIMULATE_OPERATION, label=label[:200],
                           arguments={"project_id": project.pk})


def simulate_operation(*, progress: Progress, actor_id: int | None, project_id: int) -> dict[str, Any]:
    """The background operation (SIMULATE_OPERATION, registered in ResponsesConfig.ready)."""
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.urls import reverse
    from django.utils import translation

    from kommunalschutz.foundation.accounts.models import User

    project = SurveyProject.objects.select_related("municipality").get(pk=project_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    if actor is None:
        raise RuntimeError("The simulation needs the person who started it.")
    try:
        counts = simulate_remaining_answers(actor=actor, project=project, progress=progress)
    except ValidationError as exc:
        raise RuntimeError(" ".join(exc.messages)) from exc  # the TaskRun shows the message
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("Simulated: %(answered)s answers, %(silent)s without answer, %(undeliverable)s undeliverable.") % {
            "answered": counts.get("online", 0) + counts.get("post", 0), "silent": counts.get("sent", 0),
            "undeliverable": counts.get("undeliverable", 0)}
    return {**counts, "summary": summary, "next_url": reverse("surveys:detail", args=[project.pk]) + "#demo"}


def check_simulation(project: SurveyProject) -> None:
    """Raise a ValidationError (German) unless the project's remaining sample may answer by simulation."""
    errors: Errors = {}
    sample = getattr(project, "sample", None)
    if not project.is_synthetic:
        add_error(errors, "__all__", _("Answers can be simulated only for synthetic demo projects."))
    elif project.status != SurveyProject.Status.FIELD:
        add_error(errors, "__all__", _("Answers can be simulated only while the survey is in the field."))
    elif sample is None or sample.letters_produced_at is None:
        add_error(errors, "__all__", _("Send the cover letters before simulating answers."))
    raise_if_errors(errors)


def simulate_remaining_answers(*, actor: Actor, project: SurveyProject,
                               progress: Progress | None = None) -> dict[str, int]:
    """Let the synthetic population of a practice project answer its letters.

    Only for synthetic projects in the field whose letters went out; real projects are refused. Every
    answer goes through :func:`record_response` (validated, audited) like any other.
    """
    check_simulation(project)
    with transaction.atomic():
        counts = simulate_answers(actor=actor, project=project, seed=project.pk, progress=progress)
        audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=project,
                     summary="demo: simulated answers " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts
