"""The report in steps (decision 0021): step 1 stores the case, the later steps are optional additions.

Step 1 asks only what the case team needs to act: what happened, when, where, and whether there is danger
now; a file may come with it. ``create_report`` stores the case and that file in one transaction: a refused
file stores no case either, and every problem (of the incident and of the file) is named at its field in one
pass. The later steps (``STEPS``: evidence, details and witnesses, perpetrator, complaint and consent) can be
completed right after step 1 or at any time later from the case page or "My reports"; ``complete_step`` writes
one of them as an audited update of the incident (checked by cases.incidents.clean_incident like every other
edit) and a timeline entry, and re-triages the case.

For a self-report the affected person is the account: name and contact come from it, and the role of the
office from the account's office or, while that is empty, the official's latest self-report (``known_role``),
so it is asked at most once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kommunalschutz.foundation.accounts.models import Membership, User
from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.audit import record_update, snapshot
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.cases.incidents import DEFAULTS, clean_incident
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.routing import retriage
from kommunalschutz.protection.cases.rules import is_case_reporter
from kommunalschutz.protection.cases.services import add_event, ensure_open, locked_case, sync_statistic
from kommunalschutz.protection.evidence import services as evidence_services
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.evidence.store import discard
from kommunalschutz.protection.evidence.uploads import validate_upload
from kommunalschutz.protection.intake import reporting

EVIDENCE = "beweismittel"


@dataclass(frozen=True)
class Step:
    slug: str  # in the URL (German, as the person reads it)
    title: str | Promise
    intro: str | Promise
    fields: tuple[str, ...] = ()  # incident fields; none for the evidence step


STEPS: tuple[Step, ...] = (
    Step(EVIDENCE, gettext_lazy("Evidence: files and online content"),
         gettext_lazy("Photos, screenshots, letters, e-mails, and posts or messages online. The original is "
                      "stored encrypted with its SHA-256 checksum.")),
    Step("vorfall", gettext_lazy("Details of the incident"),
         gettext_lazy("Where exactly, the relation to the office or mandate, who saw or heard it, and how "
                      "urgent it is for you."),
         ("affected_role", "place_detail", "office_relation", "witnesses", "urgency")),
    Step("taeter", gettext_lazy("The perpetrator"),
         gettext_lazy("What you know about who did it. Leave it open if you do not know."),
         ("perpetrator_kind", "perpetrator_known_to_victim", "perpetrator_details")),
    Step("anzeige", gettext_lazy("Criminal complaint, police and motivation"),
         gettext_lazy("Whether a criminal complaint has been filed or you want to file one, whether the case "
                      "team may pass your report on to the police, and whether you think the act was "
                      "politically motivated."),
         ("complaint_filed", "complaint_file_number", "complaint_police_station", "complaint_wanted",
          "police_consent", "politically_motivated")),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}
# Incident fields step 1 does not ask (affected_role is asked in step 1 when nothing else tells it).
INCIDENT_FIELDS_OF_LATER_STEPS = frozenset(
    name for step in STEPS for name in step.fields if name != "affected_role")


def next_step(step: Step) -> Step | None:
    position = STEPS.index(step)
    return STEPS[position + 1] if position + 1 < len(STEPS) else None


# --- what the account tells ---------------------------------------------------------------------------


def known_role(user: User) -> str:
    """The role of the office: the account's office, else the official's latest self-report ("" when neither
    tells it). The account's office takes the case's role values (accounts.models.Office)."""
    if user.office:
        return str(user.office)
    role = (Case.objects.filter(affected_user=user, intake=Case.Intake.SELF).exclude(affected_role="")
            .order_by("-reported_at", "-pk").values_list("affected_role", flat=True).first())
    return str(role or "")


def home_municipality(user: User) -> Municipality | None:
    """The reporter's organisation's current municipality in the installation's state (the first by name)."""
    membership = (Membership.objects.filter(user=user, organisation__municipality__isnull=False,
                                            organisation__municipality__land=states.current().key,
                                            organisation__municipality__valid_until__isnull=True)
                  .select_related("organisation__municipality").order_by("organisation__name").first())
    return membership.organisation.municipality if membership is not None else None


def account_person(user: User) -> dict[str, str]:
    """Name, role and contact of the account, as a self-report stores and shows them."""
    memberships = (Membership.objects.filter(user=user).select_related("organisation")
                   .order_by("organisation__name", "role"))
    roles = "; ".join(f"{m.get_role_display()}, {m.organisation.name}" for m in memberships)
    return {"name": user.get_full_name() or user.get_username(), "contact": user.email, "role": roles}


# --- step 1 --------------------------------------------------------------------------------------------


def _file_errors(upload: Any, description: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        validate_upload(upload)
    except ValidationError as exc:
        errors["evidence_file"] = [str(m) for messages in exc.message_dict.values() for m in messages]
    if len(description) > 2000:
        errors["evidence_description"] = [_("Please keep the description under 2,000 characters.")]
    return errors


def report_data(actor: User, data: Mapping[str, Any], *, on_behalf: bool) -> dict[str, Any]:
    """The incident of step 1 as the case stores it: a self-report completed from the account."""
    data = dict(data)
    if not on_behalf:
        person = account_person(actor)
        data["affected_name"], data["affected_contact"] = person["name"], person["contact"]
        if not data.get("affected_role"):
            data["affected_role"] = known_role(actor)
    return data


def create_report(*, actor: User, data: Mapping[str, Any], on_behalf: bool, upload: Any = None,
                  upload_description: str = "") -> Case:
    """Store step 1 as a new case (intake.reporting.create_case), with its file if one came, all or nothing.

    A self-report takes the affected person's name and contact from the account and, when the form did not
    ask, the role of the office from the latest self-report. Raises ValidationError naming every problem of
    the incident and of the file at their fields; then nothing is stored.
    """
    data = report_data(actor, data, on_behalf=on_behalf)
    description = (upload_description or "").strip()
    file_errors = _file_errors(upload, description) if upload is not None else {}
    stored: list[EvidenceItem] = []
    try:
        with transaction.atomic():
            try:
                case = reporting.create_case(actor=actor, data=data,
                                             intake=Case.Intake.ON_BEHALF if on_behalf else Case.Intake.SELF,
                                             affected_user=None if on_behalf else actor)
            except ValidationError as exc:
                raise ValidationError({**{k: list(v) for k, v in exc.message_dict.items()}, **file_errors}) from exc
            if file_errors:
                raise ValidationError(file_errors)
            if upload is not None:
                try:
                    stored.append(evidence_services.add_file(case=case, actor=actor, upload=upload,
                                                             description=description, by_reporter=True))
                except ValidationError as exc:
                    raise ValidationError({f"evidence_{k}": list(v) for k, v in exc.message_dict.items()}) from exc
    except BaseException:
        # The row went with the rollback; the encrypted file in the store must go too.
        for item in stored:
            if item.stored_name:
                discard(item.stored_name)
        raise
    return case


# --- the later steps -----------------------------------------------------------------------------------


def may_complete(user: Any, case: Case) -> bool:
    """Only the reporter (who entered it, or the affected official's account) completes the report, while
    the case is open."""
    return bool(is_case_reporter.test(user, case)) and case.status != Case.Status.CLOSED


@transaction.atomic
def complete_step(*, actor: User, case: Case, step: Step, data: Mapping[str, Any]) -> Case:
    """Write one optional step: the step's incident fields, checked like every edit, audited, on the timeline."""
    if not step.fields:
        raise ValueError(f"step {step.slug} has no incident fields")
    case = locked_case(case)
    ensure_open(case, "__all__")
    given = {name: data[name] for name in step.fields if name in data}
    cleaned = clean_incident(given, anonymous=case.intake == Case.Intake.ANONYMOUS, instance=case)
    changed = {name: cleaned[name] for name in step.fields if cleaned[name] != getattr(case, name)}
    if not changed:
        return case
    before = snapshot(case)
    for name, value in changed.items():
        setattr(case, name, value)
    case.save()
    record_update(actor=actor, obj=case, before=before, summary=f"report completed by the reporter: {step.slug}")
    add_event(case, CaseEvent.Kind.EDITED, _("The reporter added details: %(step)s") % {"step": step.title},
              actor=actor, by_reporter=True)
    retriage(case=case, actor=actor)
    sync_statistic(case)
    return case


def filled_steps(case: Case) -> set[str]:
    """The slugs of the optional steps that hold anything beyond their defaults (for the overview)."""
    filled: set[str] = set()
    if EvidenceItem.objects.filter(case=case).exists():
        filled.add(EVIDENCE)
    for step in STEPS[1:]:
        if any(getattr(case, name) != DEFAULTS[name] for name in step.fields if name != "affected_role"):
            filled.add(step.slug)
    return filled


def reporter_evidence(case: Case, user: User | None = None) -> QuerySet[EvidenceItem]:
    """What the reporter submitted to the case (files and online content), oldest first; never the team's.

    ``user``: the signed-in reporter (what this account added); None: the anonymous reporter (what came
    through the anonymous form and follow-up, marked by_reporter and without an account)."""
    items = EvidenceItem.objects.filter(case=case)
    items = items.filter(created_by=user) if user is not None else items.filter(by_reporter=True,
                                                                                created_by__isnull=True)
    return items.order_by("created_at", "pk")


def add_evidence_file(*, actor: User, case: Case, upload: Any, description: str = "") -> EvidenceItem:
    """A file from the reporter in the evidence step (the evidence app's checks and store)."""
    return evidence_services.add_file(case=case, actor=actor, upload=upload, description=description,
                                      by_reporter=True)


def add_online_content(*, actor: User, case: Case, data: Mapping[str, Any], upload: Any = None) -> EvidenceItem:
    """Online content from the reporter in the evidence step (the evidence app's checks and store)."""
    return evidence_services.add_online_content(case=case, actor=actor, data=data, upload=upload, by_reporter=True)
