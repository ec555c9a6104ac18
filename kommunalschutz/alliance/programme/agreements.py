"""Cooperation agreements: drafts, signing (with the signed PDF and the lifecycle steps it brings),
termination, and the agreed reviews of the measures.

Each function runs in one transaction with its audit record naming the actor (None = the system),
raises django's ValidationError with a dict naming the fields on bad input, and saves nothing then.
Callers check permissions (views and API through rules); these functions check the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.programme.lifecycle import (
    agreements_in_force,
    in_force_on,
    membership_periods,
    record_transition,
    transitions_of,
)
from kommunalschutz.alliance.programme.models import (
    STAGE_ORDER,
    AgreementReview,
    AgreementSignatory,
    CooperationAgreement,
    Stage,
)
from kommunalschutz.alliance.programme.selectors import current_programme
from kommunalschutz.foundation.accounts.models import Actor, Organisation
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent

PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPE = "application/pdf"
# What create_agreement/update_agreement accept besides the target and the signatories.
AGREEMENT_FIELDS = ("title", "police_directorate", "police_station", "coordination_office",
                    *CooperationAgreement.SECTIONS)


def default_coordination_office() -> Organisation | None:
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
    actor: Actor,
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
        police_station=police_station or "", coordination_office=coordination_office or default_coordination_office(),
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
    *, actor: Actor, agreement: CooperationAgreement, signatories: Iterable[Mapping[str, Any]] | None = None,
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
    actor: Actor,
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
            locked.status = CooperationAgreement.Status.SIGNED
            locked.signed_on = signed_on
            locked.updated_at = timezone.now()
            if content is not None:
                _store_document(locked, document, content)
                stored = locked.signed_document.name or ""
            locked.save()
            # After the save: "member" needs the agreement in force (lifecycle.membership_error).
            _record_signing_steps(actor, locked, signed_on, record_membership)
            audit.record_update(actor=actor, obj=locked, before=before, summary="cooperation agreement signed")
    except Exception:
        _discard_file(stored)
        raise
    agreement.refresh_from_db()
    return agreement


def _record_signing_steps(actor: Actor, agreement: CooperationAgreement, signed_on: dt.date,
                          record_membership: bool) -> None:
    # Lock the municipality (or district) before reading its latest step, as record_transition does: two
    # agreements of one target signed at the same moment then record "signed" and "member" once.
    target = agreement.municipality if agreement.municipality is not None else agreement.district
    assert target is not None  # the agreement's check requires one of the two
    type(target).objects.select_for_update().filter(pk=target.pk).first()
    latest = transitions_of(agreement.municipality, agreement.district).order_by("-date", "-pk").first()
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


def _record_departure(actor: Actor, agreement: CooperationAgreement, terminated_on: dt.date) -> None:
    """Record "left" on the day the agreement ends, if that ends a membership (no other agreement in force)."""
    municipality, district = agreement.municipality, agreement.district
    if in_force_on(agreements_in_force(municipality, district), terminated_on):
        return
    history = list(transitions_of(municipality, district).values_list("date", "stage"))
    if not any(start <= terminated_on and (end is None or end > terminated_on)
               for start, end in membership_periods(history)):
        return
    try:
        record_transition(
            actor=actor, stage=Stage.LEFT, date=terminated_on, acting_organisation=agreement.coordination_office,
            municipality=municipality, district=district, is_synthetic=agreement.is_synthetic,
            note=_("Cooperation agreement “%(title)s” terminated") % {"title": agreement.title},
        )
    except ValidationError as exc:
        raise ValidationError({"terminated_on" if field == "date" else field: messages
                               for field, messages in exc.message_dict.items()}) from exc


def attach_signed_document(*, actor: Actor, agreement: CooperationAgreement, document: Any) -> CooperationAgreement:
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


def terminate_agreement(*, actor: Actor, agreement: CooperationAgreement,
                        terminated_on: dt.date) -> CooperationAgreement:
    """End a signed agreement on ``terminated_on`` (not before it was signed, not in the future).

    A member without another agreement in force then leaves the alliance on that day: the step "left"
    is recorded with the termination (membership needs an agreement in force, see ``lifecycle``).
    """
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
        _record_departure(actor, locked, terminated_on)
    agreement.refresh_from_db()
    return agreement


def add_review(*, actor: Actor, agreement: CooperationAgreement, due_on: dt.date) -> AgreementReview:
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


def complete_review(*, actor: Actor, review: AgreementReview, completed_on: dt.date, outcome: str) -> AgreementReview:
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
