"""Every write of the events app: events, invitations, registrations, the waitlist, attendance.

Each function runs in one transaction with its audit events. Registrations lock the event row
(``select_for_update``) before counting the confirmed seats and before taking their registration time,
so two people cannot take the last seat at once and the waiting list keeps the order of arrival; on
SQLite the IMMEDIATE transaction mode serialises writers the same way (docs/decisions/0013).
E-mails go out after the commit and never for synthetic (demo) records. Callers check
permissions (views and API through rules); these functions check the data.

Personal data stays out of the audit trail: registrations are recorded by id, status, channel and
role only, and registrations through the public link name no actor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kommunalschutz.alliance.events.models import Event, Invitation, Registration
from kommunalschutz.foundation.accounts.models import Actor, Organisation, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AuditEvent

logger = logging.getLogger(__name__)

# Path segments of our own pages under /veranstaltungen/; an event with such a slug would hide them.
RESERVED_SLUGS = frozenset({"neu", "meine", "abmeldung"})
EVENT_FIELDS = ["title", "slug", "kind", "status", "description", "venue", "starts_at", "ends_at", "capacity",
                "registration_closes_at", "public_registration", "organiser_id", "is_synthetic", "source_url",
                "published_at"]
SECRET_EVENT_FIELDS = ["public_token"]
# What the trail keeps of a registration: nothing that identifies the person.
REGISTRATION_AUDIT_FIELDS = ["event_id", "status", "channel", "attendee_role", "attended"]


def new_public_token() -> str:
    return secrets.token_urlsafe(32)


def hash_cancel_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _audit_registration(*, actor: Actor, registration: Registration, before: dict[str, Any] | None,
                        summary: str) -> None:
    """Audit a registration by id only: its object_repr would be the person's name."""
    after = audit.snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    changes = audit.diff(before if before is not None else {}, {k: after[k] for k in (before or after)})
    if before is not None and not changes:
        return
    audit.record(actor=actor, action=AuditEvent.Action.CREATE if before is None else AuditEvent.Action.UPDATE,
                 object_type=registration._meta.label_lower, object_id=registration.pk, changes=changes,
                 summary=summary)


# --- Validation ---------------------------------------------------------------------------------------


def _check_event_fields(
    *, title: str, kind: str, venue: str, starts_at: Any, ends_at: Any, capacity: Any,
    registration_closes_at: Any, source_url: str = "",
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Please give the event a title.")
    elif len(title) > 200:
        errors["title"] = _("The title may have at most 200 characters.")
    if kind not in Event.Kind.values:
        errors["kind"] = _("Please choose a kind of event.")
    if not venue.strip():
        errors["venue"] = _("Please name the venue.")
    elif len(venue) > 300:
        errors["venue"] = _("The venue may have at most 300 characters.")
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at),
                        ("registration_closes_at", registration_closes_at)):
        if value is None and name == "registration_closes_at":
            continue
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            errors[name] = _("Please enter a date and time.")
    if "starts_at" not in errors and "ends_at" not in errors and ends_at <= starts_at:
        errors["ends_at"] = _("The event must end after it begins.")
    if (registration_closes_at is not None and "registration_closes_at" not in errors
            and "starts_at" not in errors and registration_closes_at > starts_at):
        errors["registration_closes_at"] = _("Registration must close before the event begins.")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        errors["capacity"] = _("The capacity must be at least one seat.")
    elif capacity > 100_000:
        errors["capacity"] = _("The capacity may be at most 100,000 seats.")
    if len(source_url) > 300:
        errors["source_url"] = _("The source address may have at most 300 characters.")
    return errors


def registration_window_error(event: Event, *, at: dt.datetime | None = None) -> str | None:
    """Why nobody can register for the event at ``at`` (now by default), or None while registration is open."""
    at = at or timezone.now()
    if event.status == Event.Status.CANCELLED:
        return _("Registration is closed: the event has been cancelled.")
    if event.status != Event.Status.PUBLISHED:
        return _("Registration is not open: the event has not been published yet.")
    if at >= event.starts_at:
        return _("Registration is closed: the event has already begun.")
    if event.registration_closes_at is not None and at > event.registration_closes_at:
        return _("Registration is closed: the registration deadline has passed.")
    return None


# --- E-mails (after the commit) -----------------------------------------------------------------------


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path if site_url else path


def _send(template: str, recipients: list[str], context: dict[str, Any]) -> None:
    """Render and send one e-mail; a failing mail server must not undo a committed registration."""
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {"platform_name": settings.PLATFORM_NAME, **context}
        subject = " ".join(render_to_string(f"events/email/{template}_subject.txt", context).split())
        body = render_to_string(f"events/email/{template}_email.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("events: could not send the %s e-mail", template)


def _mail_after_commit(template: str, recipients: list[str], context: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(template, recipients, context))


def _event_context(event: Event, site_url: str) -> dict[str, Any]:
    return {"event": event, "event_url": _absolute(site_url, reverse("events:event_detail", args=[event.slug]))}


def _mail_registration(registration: Registration, cancel_token: str | None, site_url: str) -> None:
    if registration.is_synthetic:
        return
    event = registration.event
    context = {
        **_event_context(event, site_url), "registration": registration,
        "waitlisted": registration.status == Registration.Status.WAITLISTED,
        "cancel_url": _absolute(site_url, reverse("events:public_cancel", args=[cancel_token]))
        if cancel_token else "",
        "my_events_url": _absolute(site_url, reverse("events:my_events")) if registration.user_id else "",
    }
    _mail_after_commit("registration", [registration.email], context)


def _mail_promotion(registration: Registration, site_url: str) -> None:
    if registration.is_synthetic:
        return
    context = {**_event_context(registration.event, site_url), "registration": registration}
    _mail_after_commit("promotion", [registration.email], context)


# --- Events -------------------------------------------------------------------------------------------


def create_event(
    *, actor: Actor, title: str, slug: str, kind: str, venue: str, starts_at: dt.datetime, ends_at: dt.datetime,
    capacity: int, description: str = "", registration_closes_at: dt.datetime | None = None,
    public_registration: bool = False, status: str = Event.Status.DRAFT, organiser: Organisation | None = None,
    is_synthetic: bool = False, source_url: str = "",
) -> Event:
    """A new event, a draft unless ``status`` says otherwise; its public link token is made here."""
    errors = _check_event_fields(title=title, kind=kind, venue=venue, starts_at=starts_at, ends_at=ends_at,
                                 capacity=capacity, registration_closes_at=registration_closes_at,
                                 source_url=source_url)
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = _("Use only lower-case letters, digits and hyphens for the web address.")
    else:
        if slug != slug.lower() or len(slug) > 50:
            errors["slug"] = _("Use only lower-case letters, digits and hyphens for the web address.")
        elif slug in RESERVED_SLUGS:
            errors["slug"] = _("This web address is reserved; please choose another.")
        elif Event.objects.filter(slug=slug).exists():
            errors["slug"] = _("Another event already has this web address.")
    if status not in Event.Status.values:
        errors["status"] = _("Unknown status.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            title=title.strip(), slug=slug, kind=kind, venue=venue.strip(), starts_at=starts_at, ends_at=ends_at,
            capacity=capacity, description=description.strip(), registration_closes_at=registration_closes_at,
            public_registration=public_registration, public_token=new_public_token(), status=status,
            organiser=organiser, is_synthetic=is_synthetic, source_url=source_url,
            published_at=now if status != Event.Status.DRAFT else None, created_at=now, updated_at=now,
        )
        audit.record_create(actor=actor, obj=event, secret=SECRET_EVENT_FIELDS, summary="event created")
    return event


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _confirmed_count(event: Event) -> int:
    return Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).count()


def _fill_free_seats(*, actor: Actor, event: Event, site_url: str) -> list[Registration]:
    """Move waitlisted people up, first come first served, while seats are free (event row locked)."""
    if event.status != Event.Status.PUBLISHED or timezone.now() >= event.starts_at:
        return []
    free = event.capacity - _confirmed_count(event)
    if free <= 0:
        return []
    promoted = list(Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
                    .order_by("registered_at", "pk")[:free])
    for registration in promoted:
        before = audit.snapshot(registration, ["status"])
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status"])
        registration.event = event
        _audit_registration(actor=actor, registration=registration, before=before,
                            summary=f"moved up from the waiting list of event {event.pk}")
        _mail_promotion(registration, site_url)
    return promoted


def update_event(
    *, actor: Actor, event: Event, title: str, kind: str, venue: str, starts_at: dt.datetime,
    ends_at: dt.datetime, capacity: int, description: str = "", registration_closes_at: dt.datetime | None = None,
    public_registration: bool = False, organiser: Organisation | None = None, source_url: str = "",
    site_url: str = "",
) -> Event:
    """Change an event's details (not its web address). More seats move waitlisted people up;
    fewer seats than confirmed registrations are refused."""
    errors = _check_event_fields(title=title, kind=kind, venue=venue, starts_at=starts_at, ends_at=ends_at,
                                 capacity=capacity, registration_closes_at=registration_closes_at,
                                 source_url=source_url)
    if event.status == Event.Status.CANCELLED:
        errors["status"] = _("A cancelled event cannot be changed.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(event)
        confirmed = _confirmed_count(locked)
        if capacity < confirmed:
            raise ValidationError({"capacity": _(
                "%(count)d registrations are already confirmed; the capacity cannot be lower."
            ) % {"count": confirmed}})
        before = audit.snapshot(locked, EVENT_FIELDS)
        locked.title, locked.kind, locked.venue = title.strip(), kind, venue.strip()
        locked.starts_at, locked.ends_at, locked.capacity = starts_at, ends_at, capacity
        locked.description, locked.registration_closes_at = description.strip(), registration_closes_at
        locked.public_registration, locked.organiser, locked.source_url = public_registration, organiser, source_url
        locked.updated_at = timezone.now()
        locked.save()
        audit.record_update(actor=actor, obj=locked, before=before, summary="event changed")
        _fill_free_seats(actor=actor, event=locked, site_url=site_url)
    return locked


def publish_event(*, actor: Actor, event: Event, site_url: str = "") -> Event:
    """Make a draft public; people invited so far get an invitation e-mail now."""
    with transaction.atomic():
        locked = _lock(event)
        if locked.status != Event.Status.DRAFT:
            raise ValidationError({"status": _("Only a draft can be published.")})
        before = audit.snapshot(locked, ["status", "published_at"])
        locked.status = Event.Status.PUBLISHED
        locked.published_at = locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "published_at", "updated_at"])
        audit.record_update(actor=actor, obj=locked, before=before, summary="event published")
        if not locked.is_synthetic:
            invited = list(User.objects.filter(event_invitations__event=locked, is_active=True)
                           .exclude(email="").values_list("email", flat=True))
            for email in invited:
                _mail_after_commit("invitation", [email], {**_event_context(locked, site_url),
                                                           "my_events_url": _absolute(site_url, reverse(
                                                               "events:my_events"))})
    return locked


def cancel_event(*, actor: Actor, event: Event, site_url: str = "") -> Event:
    """Call the event off. Everyone registered or waiting hears of it if it had been published."""
    with transaction.atomic():
        locked = _lock(event)
        if locked.status == Event.Status.CANCELLED:
            raise ValidationError({"status": _("The event has already been cancelled.")})
        before = audit.snapshot(locked, ["status"])
        was_public = locked.status == Event.Status.PUBLISHED
        locked.status = Event.Status.CANCELLED
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "updated_at"])
        audit.record_update(actor=actor, obj=locked, before=before, summary="event cancelled")
        if was_public and not locked.is_synthetic:
            emails = sorted(set(
                Registration.objects.filter(event=locked, is_synthetic=False)
                .exclude(status=Registration.Status.CANCELLED).values_list("email", flat=True)
            ))
            for email in emails:  # one e-mail each: registrants must not see each other's addresses
                _mail_after_commit("event_cancelled", [email], _event_context(locked, site_url))
    return locked


def regenerate_public_link(*, actor: Actor, event: Event) -> str:
    """A new public registration token; the old link stops working at once. Returns the new token."""
    with transaction.atomic():
        locked = _lock(event)
        before = audit.snapshot(locked, ["public_token"])
        locked.public_token = new_public_token()
        locked.updated_at = timezone.now()
        locked.save(update_fields=["public_token", "updated_at"])
        audit.record_update(actor=actor, obj=locked, before=before, secret=SECRET_EVENT_FIELDS,
                            summary="public registration link regenerated")
    event.public_token = locked.public_token
    return locked.public_token


def invite(*, actor: Actor, event: Event, users: Iterable[User], site_url: str = "") -> list[Invitation]:
    """Invite platform users (people with a role); those invited before are skipped. Returns the new invitations.

    Invited users see the event under "My events" and may register. They get an e-mail when the
    event is public (now, or when it is published).
    """
    people = list({user.pk: user for user in users}.values())
    errors: dict[str, str] = {}
    if not people:
        errors["users"] = _("Please choose at least one person.")
    elif any(not user.is_active or not user.role_set for user in people):
        errors["users"] = _("Only active accounts with a role can be invited.")
    if event.status == Event.Status.CANCELLED:
        errors["event"] = _("Nobody can be invited to a cancelled event.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(event)
        already = set(Invitation.objects.filter(event=locked, user__in=people).values_list("user_id", flat=True))
        now = timezone.now()
        created = Invitation.objects.bulk_create([
            Invitation(event=locked, user=user, invited_at=now,
                       invited_by=actor if getattr(actor, "is_authenticated", False) else None)
            for user in people if user.pk not in already
        ])
        # bulk_create sets primary keys on PostgreSQL and SQLite, so the trail can name each row.
        audit.record_many(audit.build(actor=actor, action=AuditEvent.Action.CREATE, obj=invitation,
                                      summary=f"invited to event {locked.pk}") for invitation in created)
        if locked.status == Event.Status.PUBLISHED and not locked.is_synthetic:
            for invitation in created:
                if invitation.user.email:
                    _mail_after_commit("invitation", [invitation.user.email], {
                        **_event_context(locked, site_url),
                        "my_events_url": _absolute(site_url, reverse("events:my_events")),
                    })
    return created


# --- Registrations ------------------------------------------------------------------------------------


def _check_person(*, first_name: str, last_name: str, email: str, attendee_role: str, organisation_name: str,
                  function: str, channel: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, value, missing in (("first_name", first_name, _("Please enter your first name.")),
                                 ("last_name", last_name, _("Please enter your last name."))):
        if not value.strip():
            errors[name] = missing
        elif len(value) > 100:
            errors[name] = _("At most 100 characters, please.")
    try:
        validate_email(email.strip())
    except ValidationError:
        errors["email"] = _("Please enter a valid e-mail address.")
    if attendee_role not in Registration.AttendeeRole.values:
        errors["attendee_role"] = _("Please choose in which capacity you attend.")
    for name, value in (("organisation_name", organisation_name), ("function", function)):
        if len(value) > 200:
            errors[name] = _("At most 200 characters, please.")
    if channel not in Registration.Channel.values:
        errors["channel"] = _("Unknown registration channel.")
    return errors


def register(
    *, actor: Actor, event: Event, first_name: str, last_name: str, email: str, attendee_role: str,
    organisation_name: str = "", function: str = "", channel: str, user: User | None = None,
    is_synthetic: bool = False, consent: bool = False, registered_at: dt.datetime | None = None,
    site_url: str = "",
) -> tuple[Registration, str | None]:
    """Register a person: confirmed while seats are free, otherwise on the waiting list.

    Returns the registration and, for people without an account, the plaintext of their cancel
    token (only its hash is stored; it goes into the confirmation e-mail). ``registered_at``
    (default now) lets the demo loader record registrations of past events: the registration
    window is checked at that moment. ``consent`` records that the person agreed to the processing
    of their data (the forms and the API require it).
    """
    email = email.strip()
    errors = _check_person(first_name=first_name, last_name=last_name, email=email, attendee_role=attendee_role,
                           organisation_name=organisation_name, function=function, channel=channel)
    if channel == Registration.Channel.INVITATION and (
            user is None or not Invitation.objects.filter(event=event, user=user).exists()):
        errors["user"] = _("Only invited people can register through an invitation.")
    if channel == Registration.Channel.PUBLIC_LINK and not event.public_registration:
        errors["event"] = _("This event has no public registration.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            locked = _lock(event)
            # Taken under the lock: the order of registration times is the order in which seats were
            # given, so the waiting list (ordered by it) never ranks someone who waited before someone
            # who was seated later.
            at = registered_at or timezone.now()
            closed = registration_window_error(locked, at=at)
            if closed:
                raise ValidationError({"event": closed})
            live = Registration.objects.filter(event=locked).exclude(status=Registration.Status.CANCELLED)
            if live.filter(email__iexact=email).exists():
                raise ValidationError({"email": _(
                    "This e-mail address is already registered for this event. If you want to change your "
                    "registration, please cancel it first.")})
            if user is not None and live.filter(user=user).exists():
                raise ValidationError({"user": _("You are already registered for this event.")})
            full = _confirmed_count(locked) >= locked.capacity
            cancel_token = secrets.token_urlsafe(32) if user is None else None
            registration = Registration.objects.create(
                event=locked, user=user, first_name=first_name.strip(), last_name=last_name.strip(), email=email,
                organisation_name=organisation_name.strip(), function=function.strip(),
                attendee_role=attendee_role, channel=channel,
                status=Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED,
                registered_at=at, consent_given_at=at if consent else None,
                cancel_token_hash=hash_cancel_token(cancel_token) if cancel_token else "",
                is_synthetic=is_synthetic,
            )
            _audit_registration(actor=actor, registration=registration, before=None,
                                summary=f"registration through {channel} for event {locked.pk}: "
                                        f"{registration.status}")
            _mail_registration(registration, cancel_token, site_url)
    except IntegrityError as exc:
        # Only reachable if the lock was bypassed; the constraint still keeps one live row per address.
        raise ValidationError({"email": _("This e-mail address is already registered for this event.")}) from exc
    return registration, cancel_token


def cancel_registration(*, actor: Actor, registration: Registration, site_url: str = "") -> Registration | None:
    """Cancel a registration; a freed seat goes to the first person on the waiting list.

    Returns the registration that moved up, if any (it is e-mailed).
    """
    with transaction.atomic():
        locked_event = _lock(registration.event)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == Registration.Status.CANCELLED:
            raise ValidationError({"registration": _("This registration has already been cancelled.")})
        if timezone.now() >= locked_event.starts_at:
            raise ValidationError({"registration": _(
                "The event has already begun; the registration can no longer be cancelled.")})
        before = audit.snapshot(current, ["status"])
        current.status = Registration.Status.CANCELLED
        current.cancelled_at = timezone.now()
        current.cancel_token_hash = ""  # the cancel link works once
        current.save(update_fields=["status", "cancelled_at", "cancel_token_hash"])
        _audit_registration(actor=actor, registration=current, before=before,
                            summary=f"registration for event {locked_event.pk} cancelled")
        promoted = _fill_free_seats(actor=actor, event=locked_event, site_url=site_url)
    registration.status, registration.cancelled_at = current.status, current.cancelled_at
    registration.cancel_token_hash = ""
    return promoted[0] if promoted else None


def cancel_by_token(*, token: str, site_url: str = "") -> tuple[Registration, Registration | None]:
    """Cancel through the e-mailed link (no account, so no actor). Returns the cancelled registration and
    the one that moved up, if any."""
    registration = (Registration.objects.select_related("event")
                    .filter(cancel_token_hash=hash_cancel_token(token)).exclude(cancel_token_hash="")
                    .exclude(status=Registration.Status.CANCELLED).first()) if token else None
    if registration is None:
        raise ValidationError({"token": _("This cancellation link is not valid (any more).")})
    promoted = cancel_registration(actor=None, registration=registration, site_url=site_url)
    return registration, promoted


def mark_attendance(*, actor: Actor, registration: Registration, attended: bool) -> Registration:
    """Record whether a confirmed registrant came; possible from the day the event begins."""
    event = registration.event
    if registration.status != Registration.Status.CONFIRMED:
        raise ValidationError({"attended": _("Only confirmed registrations can be marked as attended.")})
    if timezone.localdate() < timezone.localdate(event.starts_at):
        raise ValidationError({"attended": _("Attendance can be recorded from the day the event begins.")})
    with transaction.atomic():
        before = audit.snapshot(registration, ["attended"])
        registration.attended = attended
        registration.save(update_fields=["attended"])
        _audit_registration(actor=actor, registration=registration, before=before,
                            summary=f"attendance at event {event.pk} recorded")
    return registration
