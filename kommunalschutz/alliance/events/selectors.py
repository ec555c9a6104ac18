"""Reads of the events app: what each person may see, the attendee list and its figures."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from kommunalschutz.alliance.events.models import Event, Invitation, Registration
from kommunalschutz.alliance.events.services import hash_cancel_token
from kommunalschutz.foundation.accounts.models import Membership, User
from kommunalschutz.foundation.core.collation import german

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


def can_manage(user: Any) -> bool:
    return bool(user.has_perm("events.manage_events"))


def public_q() -> Q:
    """Events the public may see: published ones, and those called off after they were announced."""
    return Q(status=Event.Status.PUBLISHED) | Q(status=Event.Status.CANCELLED, published_at__isnull=False)


def visible_events(user: Any) -> QuerySet[Event]:
    """Every event for the coordination office; the public ones for everybody else."""
    events = Event.objects.select_related("organiser")
    if can_manage(user):
        return events
    return events.filter(public_q())


def with_seat_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=CONFIRMED)),
        waitlisted_count=Count("registrations", filter=Q(registrations__status=WAITLISTED)),
    )


def event_for(user: Any, slug: str) -> Event | None:
    """The event if the user may see it; None for unknown and hidden alike (the caller answers 404)."""
    return with_seat_counts(visible_events(user)).filter(slug=slug).first()


@dataclass(frozen=True)
class EventLists:
    upcoming: list[Event]
    past: list[Event]


def event_lists(user: Any) -> EventLists:
    """Upcoming events soonest first, past events latest first."""
    now = timezone.now()
    events = list(with_seat_counts(visible_events(user)).order_by("starts_at", "pk"))
    return EventLists(upcoming=[e for e in events if e.ends_at >= now],
                      past=[e for e in reversed(events) if e.ends_at < now])


def is_invited(user: Any, event: Event) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Invitation.objects.filter(event=event, user=user).exists()


def live_registration_of(user: Any, event: Event) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Registration.objects.filter(event=event, user=user).exclude(status=CANCELLED).first()


def my_events(user: Any) -> list[Event]:
    """Events the user is invited to or registered for, each with ``my_registration`` (live one or None)."""
    mine = Q(invitations__user=user) | Q(registrations__user=user)
    events = (
        visible_events(user).filter(pk__in=Event.objects.filter(mine).values("pk"))
        .annotate(invited=Exists(Invitation.objects.filter(event=OuterRef("pk"), user=user)))
        .prefetch_related(Prefetch(
            "registrations", to_attr="my_registrations",
            queryset=Registration.objects.filter(user=user).exclude(status=CANCELLED).order_by("-registered_at"),
        ))
        .order_by("-starts_at", "pk")
    )
    result: list[Event] = list(events)
    for event in result:
        registrations = event.my_registrations  # type: ignore[attr-defined]
        event.my_registration = registrations[0] if registrations else None  # type: ignore[attr-defined]
    return result


def public_registration_event(slug: str, token: str) -> Event | None:
    """The event behind a public registration link; None unless the token is its current one."""
    event = with_seat_counts(Event.objects.all()).filter(slug=slug, public_registration=True).first()
    if event is None or not secrets.compare_digest(event.public_token.encode(), token.encode()):
        return None
    return event


def registration_by_cancel_token(token: str) -> Registration | None:
    """The live registration a cancel link belongs to; None once it has been used."""
    if not token or len(token) > 100:
        return None
    return (Registration.objects.select_related("event").exclude(status=CANCELLED)
            .filter(cancel_token_hash=hash_cancel_token(token)).exclude(cancel_token_hash="").first())


def attendees(event: Event, *, status: str = "", role: str = "", attended: str = "", q: str = ""
              ) -> QuerySet[Registration]:
    """The registrations of an event, filtered; without a status filter the cancelled ones are left out."""
    rows = Registration.objects.filter(event=event).select_related("user").order_by(
        *german("last_name", "first_name"), "pk")
    rows = rows.filter(status=status) if status else rows.exclude(status=CANCELLED)
    if role:
        rows = rows.filter(attendee_role=role)
    if attended in ("yes", "no"):
        rows = rows.filter(attended=attended == "yes")
    if q := q.strip():
        rows = rows.filter(Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
                           | Q(organisation_name__icontains=q) | Q(function__icontains=q))
    return rows


def confirmed_for_badges(event: Event) -> QuerySet[Registration]:
    return Registration.objects.filter(event=event, status=CONFIRMED).order_by(*german("last_name", "first_name"), "pk")


@dataclass(frozen=True)
class RoleRow:
    role: str
    label: str
    confirmed: int
    waitlisted: int
    attended: int


def attendance_by_role(event: Event) -> tuple[list[RoleRow], RoleRow]:
    """Per attendee role: confirmed, waitlisted and attended counts (one query), and the totals."""
    counts = {
        row["attendee_role"]: row
        for row in Registration.objects.filter(event=event).values("attendee_role").annotate(
            confirmed=Count("pk", filter=Q(status=CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=WAITLISTED)),
            attended=Count("pk", filter=Q(status=CONFIRMED, attended=True)),
        ).order_by()
    }
    rows = [
        RoleRow(role=value, label=str(label), confirmed=counts.get(value, {}).get("confirmed", 0),
                waitlisted=counts.get(value, {}).get("waitlisted", 0),
                attended=counts.get(value, {}).get("attended", 0))
        for value, label in Registration.AttendeeRole.choices
    ]
    total = RoleRow(role="", label="", confirmed=sum(r.confirmed for r in rows),
                    waitlisted=sum(r.waitlisted for r in rows), attended=sum(r.attended for r in rows))
    return rows, total


def invitable_users(q: str, *, limit: int = 50) -> QuerySet[User]:
    """Active accounts with a role (only they can register) matching a name, username, e-mail or organisation."""
    users = (User.objects.filter(is_active=True, memberships__isnull=False).distinct()
             .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("organisation")
                                        .order_by(*german("organisation__name"), "role")))
             .order_by(*german("last_name", "first_name"), "username"))
    if q := q.strip():
        users = users.filter(Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(username__icontains=q)
                             | Q(email__icontains=q) | Q(memberships__organisation__name__icontains=q))
    return users[:limit]


def invitations(event: Event) -> QuerySet[Invitation]:
    return (Invitation.objects.filter(event=event).select_related("user")
            .annotate(registered=Exists(Registration.objects.filter(event=event, user=OuterRef("user"))
                                        .exclude(status=CANCELLED)))
            .order_by(*german("user__last_name", "user__first_name"), "user__username"))
