"""Conferences and network meetings: capacity, invitations, registration, waitlist, attendance."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Event(models.Model):
    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("conference")
        NETWORK_MEETING = "network_meeting", _("network meeting")
        REGIONAL_MEETING = "regional_meeting", _("regional meeting")
        DIALOGUE = "dialogue", _("dialogue format")
        TRAINING = "training", _("qualification")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.CONFERENCE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(_("description"), blank=True)
    venue = models.CharField(_("venue"), max_length=300)
    starts_at = models.DateTimeField(_("begins"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    # Anyone with the public link may register (the link carries this random token);
    # without it only invited users can.
    public_registration = models.BooleanField(_("registration through a public link"), default=False)
    public_token = models.CharField(max_length=43, unique=True)
    organiser = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("organiser"))
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)
    source_url = models.URLField(_("source"), max_length=300, blank=True)
    # Set once by publishing: an event cancelled after it was announced stays visible (as cancelled),
    # one cancelled as a draft never becomes public.
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-starts_at", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_invitations")
    invited_at = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["event", "user"], name="event_invitation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.event}"


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    class AttendeeRole(models.TextChoices):
        DISTRICT_ADMINISTRATOR = "district_administrator", _("district administrator")
        MAYOR = "mayor", _("mayor")
        POLICE = "police", _("police")
        ADMINISTRATION = "administration", _("administration staff")
        OTHER = "other", pgettext_lazy("attendee role", "other")

    class Channel(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        PUBLIC_LINK = "public_link", _("public link")
        OFFICE = "office", _("entered by the coordination office")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="event_registrations")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail address"))
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    function = models.CharField(_("function"), max_length=200, blank=True)
    attendee_role = models.CharField(_("attending as"), max_length=30, choices=AttendeeRole.choices,
                                     default=AttendeeRole.OTHER)
    channel = models.CharField(_("registered through"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Public registrants cancel through a link; only the hash of its token is stored.
    cancel_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    attended = models.BooleanField(_("attended"), default=False)
    # When the person agreed to the processing of their data (the registration forms require it).
    consent_given_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["registered_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One live registration per person and event; cancelled ones stay as history.
            models.UniqueConstraint(Lower("email"), "event", condition=~models.Q(status="cancelled"),
                                    name="event_registration_once_per_email"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"
