"""Prevention councils (Kommunaler Präventionsrat, KPR) of municipalities and districts."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.alliance.engagements.models import BeccariaSteps
from kommunalschutz.alliance.programme.models import LocalAuthorityTarget, SyntheticMarker


class PreventionCouncil(LocalAuthorityTarget, SyntheticMarker):
    class Establishment(models.TextChoices):
        FOUNDED = "founded", _("founded")
        REACTIVATED = "reactivated", _("reactivated")

    name = models.CharField(_("name"), max_length=200)
    establishment = models.CharField(_("founded or reactivated"), max_length=20, choices=Establishment.choices,
                                     default=Establishment.FOUNDED)
    # The figures count a council from this date (founding or reactivation) until it is dissolved.
    established_on = models.DateField(_("founded / reactivated on"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    chair_name = models.CharField(_("chair"), max_length=200, blank=True)
    chair_function = models.CharField(_("function of the chair"), max_length=200, blank=True)
    # The public contact appears on the public map only when contact_is_public is set.
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_function = models.CharField(_("function of the contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_address = models.CharField(_("contact address"), max_length=300, blank=True)
    contact_is_public = models.BooleanField(_("show the contact on the public map"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta(LocalAuthorityTarget.Meta):
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("prevention council")
        verbose_name_plural = _("prevention councils")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["established_on"], name="council_established"),
        ]
        # One running council per municipality (or district): the services refuse overlapping
        # periods with a clear message; these partial indexes keep two concurrent requests honest.
        constraints: ClassVar[list[models.BaseConstraint]] = [
            *LocalAuthorityTarget.Meta.constraints,
            models.UniqueConstraint(fields=["municipality"], condition=models.Q(dissolved_on__isnull=True),
                                    name="council_one_running_per_municipality"),
            models.UniqueConstraint(fields=["district"], condition=models.Q(dissolved_on__isnull=True),
                                    name="council_one_running_per_district"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        """Running today: established and not (yet) dissolved."""
        today = timezone.localdate()
        return self.established_on <= today and (self.dissolved_on is None or self.dissolved_on > today)


class CouncilMember(models.Model):
    council = models.ForeignKey(PreventionCouncil, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation on the platform"))
    organisation_name = models.CharField(_("organisation"), max_length=200)
    person_name = models.CharField(_("person"), max_length=200, blank=True)
    function = models.CharField(_("function"), max_length=200, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["council", "organisation_name", "person_name"]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")

    def __str__(self) -> str:
        return f"{self.person_name} ({self.organisation_name})" if self.person_name else self.organisation_name


class WorkingGroup(models.Model):
    council = models.ForeignKey(PreventionCouncil, on_delete=models.CASCADE, related_name="working_groups")
    name = models.CharField(_("name"), max_length=200)
    topic = models.TextField(_("topic"), blank=True)
    lead = models.CharField(_("lead"), max_length=200, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    members = models.ManyToManyField(CouncilMember, blank=True, related_name="working_groups",
                                     verbose_name=_("members"))

    class Meta:
        ordering: ClassVar[list[str]] = ["council", "name"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self) -> str:
        return self.name


class CouncilMeeting(models.Model):
    council = models.ForeignKey(PreventionCouncil, on_delete=models.PROTECT, related_name="meetings",
                                verbose_name=_("prevention council"))
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    source_url = models.URLField(_("source"), max_length=300, blank=True)
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-held_on", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d.%m.%Y})"


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["meeting", "member"], name="council_attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({'present' if self.present else 'absent'})"


class CouncilDecision(models.Model):
    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(pgettext_lazy("council", "decision"))
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["meeting", "pk"]
        verbose_name = pgettext_lazy("council", "decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]


class CouncilProject(BeccariaSteps):
    """A prevention project of the council, planned and evaluated along the seven Beccaria steps."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        RUNNING = "running", _("running")
        COMPLETED = "completed", _("completed")
        STOPPED = "stopped", _("stopped")

    council = models.ForeignKey(PreventionCouncil, on_delete=models.CASCADE, related_name="projects")
    working_group = models.ForeignKey(WorkingGroup, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="projects", verbose_name=_("working group"))
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    planned_budget = models.DecimalField(_("planned budget (EUR)"), max_digits=12, decimal_places=2,
                                         null=True, blank=True)
    actual_costs = models.DecimalField(_("actual costs (EUR)"), max_digits=12, decimal_places=2,
                                       null=True, blank=True)
    evaluation = models.TextField(_("evaluation"), blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["council", "-planned_start", "pk"]
        verbose_name = _("prevention project")
        verbose_name_plural = _("prevention projects")

    def __str__(self) -> str:
        return self.title


class ProjectMilestone(models.Model):
    """Plan against actual, step by step."""

    project = models.ForeignKey(CouncilProject, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=300)
    planned_on = models.DateField(_("planned for"))
    achieved_on = models.DateField(_("achieved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["project", "planned_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title
