"""Every write of the alliance app: the programme, lifecycle steps, cooperation agreements and their reviews.

Each function runs in one transaction with its audit record naming the actor (None = the system),
raises django's ValidationError with a dict naming the fields on bad input, and saves nothing then.
Callers check permissions (views and API through rules); these functions check the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kommunalschutz.alliance.programme import hooks
from kommunalschutz.alliance.programme.models import (
    STAGE_ORDER,
    AgreementReview,
    AgreementSignatory,
    CooperationAgreement,
    MembershipTransition,
    Programme,
    Stage,
)
from kommunalschutz.foundation.accounts.models import Organisation, Role, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent

logger = logging.getLogger(__name__)

PROGRAMME_FILE = Path(__file__).resolve().parent / "data" / "programme.json"
PROGRAMME_FIELDS = ("name", "short_name", "land", "started_on", "source_url")
PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPE = "application/pdf"
# What create_agreement/update_agreement accept besides the target and the signatories.
AGREEMENT_FIELDS = ("title", "police_directorate", "police_station", "coordination_office",
                    *CooperationAgreement.SECTIONS)


# --- The programme -------------------------------------------------------------------


def load_programme(*, actor: Any, path: str | Path | None = None) -> Programme:
    """Create or update the programme from its data file (idempotent: unchanged data changes nothing).

    Links the coordination office organisation when the programme has none yet and one exists.
    """
    source = Path(path) if path is not None else PROGRAMME_FILE
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError({"path": [_("The programme file %(path)s cannot be read: %(error)s")
                                        % {"path": source, "error": exc}]}) from exc
    if not isinstance(data, dict) or not data.get("code"):
        raise ValidationError({"code": [_("The programme file must be a JSON object with a “code”.")]})
    values: dict[str, Any] = {name: data.get(name, "") for name in PROGRAMME_FIELDS}
    started_on = parse_date(str(values["started_on"] or ""))
    if started_on is None:
        raise ValidationError({"started_on": [_("The start date must be a date like 2019-02-06.")]})
    values["started_on"] = started_on
    with transaction.atomic():
        programme = Programme.objects.select_for_update().filter(code=data["code"]).first()
        creating = programme is None
        if programme is None:
            programme = Programme(code=data["code"])
        before = {} if creating else audit.snapshot(programme)
        for name, value in values.items():
            setattr(programme, name, value)
        if programme.coordination_office_id is None:
            programme.coordination_office = (
                Organisation.objects.filter(kind=Organisation.Kind.COORDINATION_OFFICE).order_by("pk").first())
        programme.full_clean(validate_unique=False)
        if creating:
            programme.save()
            audit.record_create(actor=actor, obj=programme, summary="programme loaded from its data file")
        elif audit.diff(before, audit.snapshot(programme)):
            programme.save()
            audit.record_update(actor=actor, obj=programme, before=before,
                                summary="programme updated from its data file")
    return programme


def current_programme() -> Programme | None:
    return Programme.objects.select_related("coordination_office").order_by("pk").first()


# --- The membership lifecycle ----------------------------------------------------------


def _target_lookup(municipality: Any, district: Any) -> dict[str, Any]:
    return {"municipality": municipality} if municipality is not None else {"district": district}


def _transitions(municipality: Any, district: Any) -> QuerySet[MembershipTransition]:
    return MembershipTransition.objects.filter(**_target_lookup(municipality, district))


def stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in STAGE_ORDER else stage


def step_error(previous: str | None, stage: str) -> str | None:
    """Why ``stage`` cannot follow ``previous`` (None: it can). The one rule for recording and deleting."""
    if previous is None:
        if stage == Stage.LEFT:
            return _("A municipality can only leave the alliance after it has been contacted.")
        return None
    if previous == Stage.LEFT:
        if stage != Stage.CONTACTED:
            return _("After leaving the alliance, only “contacted” can start the lifecycle again.")
        return None
    if STAGE_ORDER[stage] <= STAGE_ORDER[previous]:
        return _("The lifecycle only moves forward: “%(stage)s” cannot follow “%(current)s”.") % {
            "stage": stage_label(stage), "current": stage_label(previous)}
    return None


def record_transition(
    *,
    actor: Any,
    stage: str,
    date: dt.date,
    acting_organisation: Organisation | None,
    municipality: Any = None,
    district: Any = None,
    note: str = "",
    is_synthetic: bool = False,
    source_url: str = "",
) -> MembershipTransition:
    """Record one dated lifecycle step of a municipality or a district (exactly one of the two).

    The stage must move forward from the current one (after "left" only "contacted" restarts),
    the date may be neither before the latest step nor in the future.
    """
    errors: Errors = {}
    if (municipality is None) == (district is None):
        add_error(errors, "municipality", _("Choose either a municipality or a district."))
    if stage not in STAGE_ORDER:
        add_error(errors, "stage", _("Choose a stage of the lifecycle."))
    if not isinstance(date, dt.date):
        add_error(errors, "date", _("Enter the date of the step."))
    elif date > timezone.localdate():
        add_error(errors, "date", _("The date lies in the future; record steps when they have happened."))
    if acting_organisation is None:
        add_error(errors, "acting_organisation", _("Name the organisation that took the step."))
    raise_if_errors(errors)
    with transaction.atomic():
        target_model = type(municipality if municipality is not None else district)
        # Serialise concurrent recordings for one target, so two steps cannot both pass the order check.
        target_model.objects.select_for_update().filter(pk=(municipality or district).pk).first()
        latest = _transitions(municipality, district).order_by("-date", "-pk").first()
        if latest is not None and date < latest.date:
            add_error(errors, "date", _("The date lies before the latest step (“%(stage)s” on %(date)s).") % {
                     "stage": latest.get_stage_display(), "date": latest.date.strftime("%d.%m.%Y")})
        problem = step_error(latest.stage if latest else None, stage)
        if problem:
            add_error(errors, "stage", problem)
        if stage == Stage.MEMBER and _transitions(municipality, district).filter(
                stage=Stage.LEFT, date=date).exists():
            # The figures count a membership only when it began after the latest departure.
            add_error(errors, "date", _("A municipality cannot leave and become a member again on the same day."))
        raise_if_errors(errors)
        transition = MembershipTransition(
            municipality=municipality, district=district, stage=stage, date=date,
            acting_organisation=acting_organisation, note=note, is_synthetic=is_synthetic, source_url=source_url,
            recorded_by=actor if isinstance(actor, User) else None,
        )
        transition.full_clean()
        transition.save()
        audit.record_create(actor=actor, obj=transition, summary=f"lifecycle step {stage} on {date.isoformat()}")
    return transition


def delete_transition(*, actor: Any, transition: MembershipTransition) -> None:
    """Remove a step recorded by mistake, unless the remaining steps would then be out of order
    or a record of another app would then lie before the first contact (``hooks.add_first_contact_guard``:
    the engagements app refuses when an engagement would)."""
    with transaction.atomic():
        municipality, district = transition.municipality, transition.district
        remaining = list(_transitions(municipality, district).exclude(pk=transition.pk)
                         .order_by("date", "pk").values_list("stage", "date"))
        previous: str | None = None
        for stage, _date in remaining:
            if step_error(previous, stage):
                raise ValidationError({"stage": [
                    _("Deleting this step would leave the lifecycle out of order (“%(stage)s” after "
                      "“%(previous)s”). Delete the later steps first.") % {
                        "stage": stage_label(stage), "previous": stage_label(previous or "")}]})
            previous = stage
        new_first_contact = remaining[0][1] if remaining else None
        problem = hooks.first_contact_problem(municipality, district, new_first_contact)
        if problem:
            raise ValidationError({"date": [problem]})
        audit.record_delete(actor=actor, obj=transition, summary="lifecycle step deleted (correction)")
        transition.delete()


# --- Cooperation agreements ------------------------------------------------------------


def _default_coordination_office() -> Organisation | None:
    programme = current_programme()
    if programme is not None and programme.coordination_office is not None:
        return programme.coordination_office
    return Organisation.objects.filter(kind=Organisation.Kind.COORDINATION_OFFICE).order_by("pk").first()


def _clean_signatories(signatories: Iterable[Mapping[str, Any]], errors: Errors) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    parties = set(AgreementSignatory.Party.values)
    today = timezone.localdate()
    for position, row in enumerate(signatories, start=1):
        party = str(row.get("party") or "")
        name = str(row.get("name") or "").strip()
        function = str(row.get("function") or "").strip()
        signed_on = row.get("signed_on")
        if party not in parties:
            add_error(errors, "signatories", _("Signatory %(n)d: choose the party.") % {"n": position})
        if not name or not function:
            add_error(errors, "signatories", _("Signatory %(n)d: enter the name and the function.") % {"n": position})
        if len(name) > 200 or len(function) > 200:
            add_error(errors, "signatories", _("Signatory %(n)d: name and function may have at most 200 characters.")
                      % {"n": position})
        if signed_on is not None and not isinstance(signed_on, dt.date):
            add_error(errors, "signatories", _("Signatory %(n)d: the date is not a date.") % {"n": position})
        elif signed_on is not None and signed_on > today:
            add_error(errors, "signatories", _("Signatory %(n)d: the date lies in the future.") % {"n": position})
        cleaned.append({"party": party, "name": name, "function": function, "signed_on": signed_on})
    return cleaned


def _check_agreement(agreement: CooperationAgreement, errors: Errors) -> None:
    if agreement.coordination_office_id is None:
        add_error(errors, "coordination_office", _("Name the coordination office (load the programme first)."))
    elif agreement.coordination_office.kind != Organisation.Kind.COORDINATION_OFFICE:
        add_error(errors, "coordination_office", _("The third party must be the coordination office."))
    if not agreement.title.strip():
        add_error(errors, "title", _("Enter a title."))
    if agreement.police_directorate_id is None:
        add_error(errors, "police_directorate", _("Choose the police directorate."))
    try:
        agreement.full_clean(exclude=[*errors, "signed_document"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                add_error(errors, "municipality" if field == "__all__" else field, message)


def _replace_signatories(agreement: CooperationAgreement, rows: list[dict[str, Any]]) -> None:
    agreement.signatories.all().delete()
    AgreementSignatory.objects.bulk_create([AgreementSignatory(agreement=agreement, **row) for row in rows])


def _signatory_summary(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return [f"{row['party']}: {row['name']} ({row['function']})" for row in rows]


def create_agreement(
    *,
    actor: Any,
    title: str,
    police_directorate: Any,
    municipality: Any = None,
    district: Any = None,
    coordination_office: Organisation | None = None,
    police_station: str = "",
    background: str = "",
    goals_and_tasks: str = "",
    problem_inventory: str = "",
    partner_tasks: str = "",
    topics_and_measures: str = "",
    review_of_measures: str = "",
    signatories: Iterable[Mapping[str, Any]] = (),
    is_synthetic: bool = False,
    source_url: str = "",
) -> CooperationAgreement:
    """A draft agreement between the municipality (or district), the police and the coordination office.

    ``signatories``: mappings with party (municipality/police/coordination_office), name, function and
    an optional signed_on date. The coordination office defaults to the programme's.
    """
    errors: Errors = {}
    if (municipality is None) == (district is None):
        add_error(errors, "municipality", _("Choose either a municipality or a district."))
    rows = _clean_signatories(signatories, errors)
    now = timezone.now()
    agreement = CooperationAgreement(
        municipality=municipality, district=district, title=title or "", police_directorate=police_directorate,
        police_station=police_station or "", coordination_office=coordination_office or _default_coordination_office(),
        background=background, goals_and_tasks=goals_and_tasks, problem_inventory=problem_inventory,
        partner_tasks=partner_tasks, topics_and_measures=topics_and_measures,
        review_of_measures=review_of_measures, is_synthetic=is_synthetic, source_url=source_url,
        created_at=now, updated_at=now,
    )
    _check_agreement(agreement, errors)
    raise_if_errors(errors)
    with transaction.atomic():
        agreement.save()
        _replace_signatories(agreement, rows)
        event = audit.build(actor=actor, action=AuditEvent.Action.CREATE, obj=agreement,
                            changes=audit.diff({}, {**audit.snapshot(agreement, ["title", "municipality_id",
                                                                                   "district_id", "status",
                                                                                   "police_directorate_id",
                                                                                   "coordination_office_id"]),
                                                    "signatories": _signatory_summary(rows)}),
                            summary="cooperation agreement drafted")
        event.save(force_insert=True)
    return agreement


def update_agreement(
    *, actor: Any, agreement: CooperationAgreement, signatories: Iterable[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> CooperationAgreement:
    """Change a draft: any of title, police_directorate, police_station, coordination_office and the
    six sections; ``signatories`` (if given) replaces the list. Signed agreements are not edited."""
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"update_agreement got unknown fields: {sorted(unknown)}")
    errors: Errors = {}
    if agreement.status != CooperationAgreement.Status.DRAFT:
        add_error(errors, "status", _("Only a draft can be edited; this agreement has been signed."))
    rows = _clean_signatories(signatories, errors) if signatories is not None else None
    raise_if_errors(errors)
    with transaction.atomic():
        locked = CooperationAgreement.objects.select_for_update().get(pk=agreement.pk)
        before = audit.snapshot(locked)
        old_rows = list(locked.signatories.values("party", "name", "function", "signed_on"))
        for name, value in changes.items():
            if value is None and name not in ("police_directorate", "coordination_office"):
                value = ""
            setattr(locked, name, value)
        _check_agreement(locked, errors)
        raise_if_errors(errors)
        locked.updated_at = timezone.now()
        locked.save()
        if rows is not None:
            _replace_signatories(locked, rows)
        changed = audit.diff(before, audit.snapshot(locked))
        changed.pop("updated_at", None)
        if rows is not None:
            changed.update(audit.diff({"signatories": _signatory_summary(old_rows)},
                                      {"signatories": _signatory_summary(rows)}))
        if changed:
            audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes=changed,
                         summary="draft agreement edited")
    agreement.refresh_from_db()
    return agreement


def validate_pdf_upload(document: Any) -> bytes:
    """The bytes of an uploaded signed agreement, or a ValidationError on the field "document".

    It must be declared as application/pdf, start with the PDF signature and stay within
    AGREEMENT_UPLOAD_MAX_BYTES. Nothing is written anywhere here.
    """
    limit = int(settings.AGREEMENT_UPLOAD_MAX_BYTES)
    megabytes = f"{limit / 1_000_000:.1f}".rstrip("0").rstrip(".")
    size = getattr(document, "size", None)
    if size is not None and size > limit:
        raise ValidationError({"document": [
            _("The file is too large (%(size)s MB); at most %(limit)s MB are allowed.") % {
                "size": f"{size / 1_000_000:.1f}", "limit": megabytes}]})
    declared = str(getattr(document, "content_type", "") or "").split(";")[0].strip().lower()
    if hasattr(document, "seek"):
        document.seek(0)
    content = b"".join(document.chunks()) if hasattr(document, "chunks") else document.read()
    if len(content) > limit:
        raise ValidationError({"document": [
            _("The file is too large (%(size)s MB); at most %(limit)s MB are allowed.") % {
                "size": f"{len(content) / 1_000_000:.1f}", "limit": megabytes}]})
    if declared != PDF_CONTENT_TYPE or not content.startswith(PDF_MAGIC):
        raise ValidationError({"document": [_("The file is not a PDF document. Please upload the signed "
                                              "agreement as a PDF file.")]})
    return content


def _original_name(document: Any) -> str:
    name = os.path.basename(str(getattr(document, "name", "") or "vereinbarung.pdf").replace("\\", "/"))
    return name[-200:] or "vereinbarung.pdf"


def _store_document(agreement: CooperationAgreement, document: Any, content: bytes) -> None:
    """Save the file under a random name (the uploader's name is kept only as metadata)."""
    agreement.signed_document.save(f"{uuid.uuid4().hex}.pdf", ContentFile(content), save=False)
    agreement.signed_document_name = _original_name(document)
    agreement.signed_document_size = len(content)
    agreement.signed_document_sha256 = hashlib.sha256(content).hexdigest()


def _discard_file(name: str) -> None:
    if name:
        from django.core.files.storage import default_storage

        default_storage.delete(name)


def sign_agreement(
    *,
    actor: Any,
    agreement: CooperationAgreement,
    signed_on: dt.date,
    document: Any = None,
    record_membership: bool = True,
) -> CooperationAgreement:
    """Mark a draft as signed on ``signed_on``, optionally with the signed PDF, and record the
    lifecycle steps: "agreement signed" (acting: the agreement's coordination office) and, with
    ``record_membership``, "member" on the same date. A step the target has already reached (a
    renewed agreement) is not recorded twice.
    """
    errors: Errors = {}
    if agreement.status != CooperationAgreement.Status.DRAFT:
        add_error(errors, "status", _("This agreement has already been signed."))
    if not isinstance(signed_on, dt.date):
        add_error(errors, "signed_on", _("Enter the date of signing."))
    elif signed_on > timezone.localdate():
        add_error(errors, "signed_on", _("The date of signing lies in the future."))
    content: bytes | None = None
    if document is not None:
        try:
            content = validate_pdf_upload(document)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    raise_if_errors(errors)
    stored = ""
    try:
        with transaction.atomic():
            locked = CooperationAgreement.objects.select_for_update().get(pk=agreement.pk)
            if locked.status != CooperationAgreement.Status.DRAFT:
                raise ValidationError({"status": [_("This agreement has already been signed.")]})
            before = audit.snapshot(locked)
            _record_signing_steps(actor, locked, signed_on, record_membership)
            locked.status = CooperationAgreement.Status.SIGNED
            locked.signed_on = signed_on
            locked.updated_at = timezone.now()
            if content is not None:
                _store_document(locked, document, content)
                stored = locked.signed_document.name or ""
            locked.save()
            audit.record_update(actor=actor, obj=locked, before=before, summary="cooperation agreement signed")
    except Exception:
        _discard_file(stored)
        raise
    agreement.refresh_from_db()
    return agreement


def _record_signing_steps(actor: Any, agreement: CooperationAgreement, signed_on: dt.date,
                          record_membership: bool) -> None:
    latest = _transitions(agreement.municipality, agreement.district).order_by("-date", "-pk").first()
    current = latest.stage if latest else None
    wanted = [Stage.AGREEMENT_SIGNED] + ([Stage.MEMBER] if record_membership else [])
    note = _("Cooperation agreement “%(title)s”") % {"title": agreement.title}
    for stage in wanted:
        if current is not None and current != Stage.LEFT and STAGE_ORDER[current] >= STAGE_ORDER[stage]:
            continue
        try:
            record_transition(
                actor=actor, stage=stage, date=signed_on, acting_organisation=agreement.coordination_office,
                municipality=agreement.municipality, district=agreement.district, note=note,
                is_synthetic=agreement.is_synthetic, source_url=agreement.source_url,
            )
        except ValidationError as exc:
            # The form asks for signed_on, not for the step's own date.
            raise ValidationError({"signed_on" if field == "date" else field: messages
                                   for field, messages in exc.message_dict.items()}) from exc
        current = stage


def attach_signed_document(*, actor: Any, agreement: CooperationAgreement, document: Any) -> CooperationAgreement:
    """Add (or replace) the signed PDF of a signed agreement. The replaced file is removed."""
    errors: Errors = {}
    if agreement.status == CooperationAgreement.Status.DRAFT:
        add_error(errors, "status", _("Sign the agreement first; the signed PDF belongs to a signed agreement."))
    if document is None:
        add_error(errors, "document", _("Choose the signed agreement as a PDF file."))
    raise_if_errors(errors)
    content = validate_pdf_upload(document)
    stored = ""
    try:
        with transaction.atomic():
            locked = CooperationAgreement.objects.select_for_update().get(pk=agreement.pk)
            before = audit.snapshot(locked, ["signed_document", "signed_document_name", "signed_document_size",
                                             "signed_document_sha256"])
            old_name = locked.signed_document.name or ""
            _store_document(locked, document, content)
            stored = locked.signed_document.name or ""
            locked.updated_at = timezone.now()
            locked.save()
            audit.record_update(actor=actor, obj=locked, before=before, summary="signed PDF attached")
            if old_name:
                transaction.on_commit(lambda: _discard_file(old_name))
    except Exception:
        _discard_file(stored)
        raise
    agreement.refresh_from_db()
    return agreement


def terminate_agreement(*, actor: Any, agreement: CooperationAgreement, terminated_on: dt.date) -> CooperationAgreement:
    """End a signed agreement on ``terminated_on`` (not before it was signed, not in the future)."""
    errors: Errors = {}
    if agreement.status != CooperationAgreement.Status.SIGNED:
        add_error(errors, "status", _("Only a signed agreement that is in force can be terminated."))
    if not isinstance(terminated_on, dt.date):
        add_error(errors, "terminated_on", _("Enter the date the agreement ends."))
    else:
        if agreement.signed_on is not None and terminated_on < agreement.signed_on:
            add_error(errors, "terminated_on", _("The end (%(end)s) lies before the agreement was signed (%(start)s).")
                      % {"end": terminated_on.strftime("%d.%m.%Y"), "start": agreement.signed_on.strftime("%d.%m.%Y")})
        if terminated_on > timezone.localdate():
            add_error(errors, "terminated_on", _("The date lies in the future; record the end when it has happened."))
    raise_if_errors(errors)
    with transaction.atomic():
        locked = CooperationAgreement.objects.select_for_update().get(pk=agreement.pk)
        before = audit.snapshot(locked)
        locked.status = CooperationAgreement.Status.TERMINATED
        locked.terminated_on = terminated_on
        locked.updated_at = timezone.now()
        locked.save()
        audit.record_update(actor=actor, obj=locked, before=before, summary="cooperation agreement terminated")
    agreement.refresh_from_db()
    return agreement


def add_review(*, actor: Any, agreement: CooperationAgreement, due_on: dt.date) -> AgreementReview:
    """An agreed review date of the measures (not before the agreement was signed)."""
    errors: Errors = {}
    if agreement.status == CooperationAgreement.Status.TERMINATED:
        add_error(errors, "due_on", _("The agreement has been terminated; no further reviews can be agreed."))
    if not isinstance(due_on, dt.date):
        add_error(errors, "due_on", _("Enter the date of the review."))
    elif agreement.signed_on is not None and due_on < agreement.signed_on:
        add_error(errors, "due_on", _("The review (%(due)s) lies before the agreement was signed (%(start)s).")
                  % {"due": due_on.strftime("%d.%m.%Y"), "start": agreement.signed_on.strftime("%d.%m.%Y")})
    raise_if_errors(errors)
    with transaction.atomic():
        review = AgreementReview.objects.create(agreement=agreement, due_on=due_on)
        audit.record_create(actor=actor, obj=review, summary="review date agreed")
    return review


def complete_review(*, actor: Any, review: AgreementReview, completed_on: dt.date, outcome: str) -> AgreementReview:
    """Record that a review took place, and what came out of it."""
    errors: Errors = {}
    if review.completed_on is not None:
        add_error(errors, "completed_on", _("This review has already been completed."))
    if not isinstance(completed_on, dt.date):
        add_error(errors, "completed_on", _("Enter the date of the review."))
    else:
        if completed_on > timezone.localdate():
            add_error(errors, "completed_on", _("The date lies in the future."))
        signed_on = review.agreement.signed_on
        if signed_on is not None and completed_on < signed_on:
            add_error(errors, "completed_on",
                      _("The review (%(date)s) lies before the agreement was signed (%(start)s).")
                      % {"date": completed_on.strftime("%d.%m.%Y"), "start": signed_on.strftime("%d.%m.%Y")})
    if not (outcome or "").strip():
        add_error(errors, "outcome", _("Describe the outcome of the review."))
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(review, ["completed_on", "outcome"])
        review.completed_on = completed_on
        review.outcome = outcome.strip()
        review.save(update_fields=["completed_on", "outcome"])
        audit.record_update(actor=actor, obj=review, before=before, summary="review completed")
    return review


# --- Reminders -------------------------------------------------------------------------------


def reminder_recipients(agreement: CooperationAgreement) -> list[str]:
    """E-mail addresses of the coordination office's coordinators and the target's municipal coordinators."""
    office = User.objects.filter(memberships__organisation=agreement.coordination_office,
                                 memberships__role=Role.COORDINATOR)
    if agreement.municipality_id is not None:
        local = User.objects.filter(memberships__organisation__municipality_id=agreement.municipality_id,
                                    memberships__role=Role.MUNICIPAL_COORDINATOR)
    else:
        local = User.objects.filter(memberships__organisation__district_id=agreement.district_id or 0,
                                    memberships__role=Role.MUNICIPAL_COORDINATOR)
    addresses = {email for qs in (office, local) for email in qs.filter(is_active=True).exclude(email="")
                 .values_list("email", flat=True)}
    return sorted(addresses)


def reviews_needing_reminder(today: dt.date | None = None) -> QuerySet[AgreementReview]:
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=int(settings.AGREEMENT_REVIEW_REMINDER_DAYS))
    return AgreementReview.objects.filter(
        completed_on__isnull=True, reminder_sent_at__isnull=True, due_on__lte=horizon,
        agreement__status=CooperationAgreement.Status.SIGNED,
    ).select_related("agreement", "agreement__municipality", "agreement__district").order_by("due_on", "pk")


def send_review_reminders(*, today: dt.date | None = None) -> int:
    """E-mail a reminder for every open review due within AGREEMENT_REVIEW_REMINDER_DAYS that has had
    none yet; mark it sent. Idempotent: a second run the same day sends nothing. Returns the count.

    Each review is handled in its own transaction: if sending fails, it stays unmarked and the
    next run tries again.
    """
    sent = 0
    for review in reviews_needing_reminder(today):
        with transaction.atomic():
            locked = AgreementReview.objects.select_for_update().filter(
                pk=review.pk, reminder_sent_at__isnull=True).first()
            if locked is None:
                continue
            recipients = reminder_recipients(review.agreement)
            if recipients:
                _send_reminder(review, recipients)
            before = audit.snapshot(locked, ["reminder_sent_at"])
            locked.reminder_sent_at = timezone.now()
            locked.save(update_fields=["reminder_sent_at"])
            audit.record_update(actor=None, obj=locked, before=before,
                                summary=f"review reminder sent to {len(recipients)} recipient(s)")
            sent += 1
    return sent


def _send_reminder(review: AgreementReview, recipients: list[str]) -> None:
    agreement = review.agreement
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "review": review, "agreement": agreement, "target": agreement.target,
            "platform_name": settings.PLATFORM_NAME,
            "path": reverse("alliance:agreement_detail", args=[agreement.pk]),
            "overdue": review.due_on < timezone.localdate(),
        }
        subject = " ".join(render_to_string("alliance/email/review_reminder_subject.txt", context).split())
        body = render_to_string("alliance/email/review_reminder.txt", context)
    for address in recipients:
        # One message per person: the recipients of different organisations do not see each other.
        send_mail(subject, body, None, [address])
