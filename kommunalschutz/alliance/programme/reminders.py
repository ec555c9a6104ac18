"""E-mail reminders of agreement reviews that are due (the daily task; ``send_review_reminders``).

Each review is marked in its own transaction with its audit record (the system as actor).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kommunalschutz.alliance.programme.models import AgreementReview, CooperationAgreement
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.roles import Role


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
