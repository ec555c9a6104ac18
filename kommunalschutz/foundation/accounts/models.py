"""Users, the organisations they act for, their roles, and API tokens."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.roles import SECOND_FACTOR_ROLES, Role

# Role and SECOND_FACTOR_ROLES are core's; re-exported because every app's models and rules know them here.
__all__ = [
    "SECOND_FACTOR_ROLES", "APIToken", "Actor", "Membership", "Office", "Organisation", "Role", "SignOnIdentity",
    "User",
]


class Office(models.TextChoices):
    """The office or mandate a person holds. The values are the protection cases' roles of the affected person
    (cases.models.AffectedRole, a test keeps them in step): a self-report takes the account's office as its
    role. The foundation cannot import the protection wing, so the catalogue is repeated here; a family member
    of an official is a case's role, not an account's office."""

    MAYOR = "mayor", pgettext_lazy("office", "mayor")
    DISTRICT_ADMINISTRATOR = "district_administrator", pgettext_lazy("office", "district administrator")
    COUNCIL_MEMBER = "council_member", pgettext_lazy("office", "council member")
    HONORARY_OFFICIAL = "honorary_official", pgettext_lazy("office", "honorary official")
    STAFF = "staff", pgettext_lazy("office", "administrative staff")


class User(AbstractUser):
    email = models.EmailField(_("e-mail address"), unique=True)
    # The person's own office or mandate (empty: none, or not given); set by the person or an administrator.
    office = models.CharField(_("office or mandate"), max_length=30, choices=Office.choices, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # People sign in with either name in any letter case, so neither may
        # exist twice in different cases ("Anna@x.de" and "anna@x.de").
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_set(self) -> frozenset[str]:
        """The user's roles across all organisations (cached per instance)."""
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.memberships.values_list("role", flat=True)) if self.pk else frozenset()
            self._role_cache = cached
        return cached

    @property
    def needs_second_factor(self) -> bool:
        return bool(self.role_set & SECOND_FACTOR_ROLES)


class UserDeletionRefused(Exception):
    """Accounts are pseudonymised (accounts.services.pseudonymise_user), never deleted."""


@receiver(pre_delete, sender=User, dispatch_uid="accounts.refuse_user_deletion")
def refuse_user_deletion(sender: type[User], instance: User, **kwargs: object) -> None:
    """Every ORM path (instance or queryset delete) ends here: the audit trail refers to accounts for good."""
    raise UserDeletionRefused(
        f"Account {instance.pk} cannot be deleted: pseudonymise it instead (accounts.services.pseudonymise_user)."
    )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COORDINATION_OFFICE = "coordination_office", _("coordination office")
        MUNICIPALITY = "municipality", _("municipality")
        DISTRICT = "district", _("district")
        POLICE_DIRECTORATE = "police_directorate", _("police directorate")
        LKA = "lka", _("State Criminal Police Office (LKA)")
        COUNSELLING_PARTNER = "counselling_partner", _("counselling partner")
        COACHING_INSTITUTE = "coaching_institute", _("coaching institute")
        ANALYSIS_CONTRACTOR = "analysis_contractor", _("analysis contractor")

    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    municipality = models.ForeignKey(
        "registry.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="organisations",
        verbose_name=_("municipality"),
    )
    district = models.ForeignKey(
        "registry.District", null=True, blank=True, on_delete=models.PROTECT, related_name="organisations",
        verbose_name=_("district"),
    )
    police_directorate = models.ForeignKey(
        "registry.PoliceDirectorate", null=True, blank=True, on_delete=models.PROTECT,
        related_name="organisations", verbose_name=_("police directorate"),
    )
    authority = models.ForeignKey(
        "registry.StateAuthority", null=True, blank=True, on_delete=models.PROTECT,
        related_name="organisations", verbose_name=_("state authority"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_synthetic = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=~models.Q(kind="municipality") | models.Q(municipality__isnull=False),
                name="organisation_municipality_has_municipality",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="district") | models.Q(district__isnull=False),
                name="organisation_district_has_district",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="police_directorate") | models.Q(police_directorate__isnull=False),
                name="organisation_police_has_directorate",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def registry_object(self) -> models.Model | None:
        """The registry entry this organisation stands for (municipality, district, …), if any."""
        field = REGISTRY_LINKS.get(self.kind)
        return getattr(self, field) if field else None


# Which registry entry an organisation of each kind points to. Kinds missing here
# (counselling partners, institutes, contractors) are private bodies with no entry.
REGISTRY_LINKS: dict[str, str] = {
    Organisation.Kind.MUNICIPALITY: "municipality",
    Organisation.Kind.DISTRICT: "district",
    Organisation.Kind.POLICE_DIRECTORATE: "police_directorate",
    Organisation.Kind.LKA: "authority",
    Organisation.Kind.COORDINATION_OFFICE: "authority",
}
# Kinds whose registry link is mandatory; the coordination office may exist before
# the registry import has created its state-authority entry.
REGISTRY_LINK_REQUIRED = frozenset(
    {Organisation.Kind.MUNICIPALITY, Organisation.Kind.DISTRICT, Organisation.Kind.POLICE_DIRECTORATE,
     Organisation.Kind.LKA}
)
REGISTRY_LINK_FIELDS = ("municipality", "district", "police_directorate", "authority")


class Membership(models.Model):
    """A user acting for an organisation in a role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user}, {self.get_role_display()}, {self.organisation}"


class APIToken(models.Model):
    """A bearer token for the API. Only a SHA-256 hash of the secret is stored."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("API token", "active")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, shown to the owner to tell tokens apart.
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> APIToken.Status:
        if self.revoked_at is not None:
            return APIToken.Status.REVOKED
        if self.expires_at <= timezone.now():
            return APIToken.Status.EXPIRED
        return APIToken.Status.ACTIVE


class SignOnIdentity(models.Model):
    """An account's identity at an OpenID Connect provider: the provider's issuer and its subject (``sub``).

    Sign-on finds the account by this pair, never by name or e-mail alone (decision 0035)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_on_identities",
                             verbose_name=_("user"))
    issuer = models.CharField(_("identity provider"), max_length=255)
    subject = models.CharField(_("subject at the identity provider"), max_length=255)
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_sign_on_at = models.DateTimeField(_("last single sign-on"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sign_on_identity_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


# Who performs a write: a signed-in user, or None for the platform itself (tasks, imports, the anonymous
# reporter's channel). Every service signature names its actor with this type.
Actor = User | None
