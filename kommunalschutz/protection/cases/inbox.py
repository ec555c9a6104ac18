"""A user's in-app notifications: marking them read (cases.services.notify writes them)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.protection.cases.models import Notification
from kommunalschutz.protection.cases.services import refusal


def mark_notification_read(*, user: User, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise refusal("notification", _("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
