"""Every write of the accounts app: logins, second factor, tokens, organisations, memberships.

Each function runs in one transaction with its audit event, so the trail records a
change exactly when it was committed. E-mails go out only after the commit. Callers
check permissions (views and API through rules); these functions check the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from typing import Any

import django_otp
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.foundation.accounts import oidc, throttle
from kommunalschutz.foundation.accounts.models import (
    REGISTRY_LINK_FIELDS,
    REGISTRY_LINK_REQUIRED,
    REGISTRY_LINKS,
    SECOND_FACTOR_ROLES,
    Actor,
    APIToken,
    Membership,
    Office,
    Organisation,
    Role,
    SignOnIdentity,
    User,
)
from kommunalschutz.foundation.accounts.tasks import send_account_email
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AuditEvent

TOKEN_PREFIX = "ks_"  # noqa: S105 - marks our tokens in logs and secret scanners
# Long-lived credentials are a liability; a year is the most an operator can ask for.
MAX_TOKEN_DAYS = 366
# last_used_at is for the owner's overview, not an access log; writing it on every
# request would turn each API read into a write.
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)
TOTP_DEVICE_NAME = "Authenticator app"


# --- Logging in and out -------------------------------------------------------------


def find_user_for_login(identifier: str) -> User | None:
    """The account a login name or e-mail address refers to (letter case ignored), if any."""
    identifier = identifier.strip()
    if not identifier:
        return None
    if "@" in identifier:
        by_email = User.objects.filter(email__iexact=identifier).first()
        if by_email is not None:
            return by_email
    # Usernames may contain "@" too.
    return User.objects.filter(username__iexact=identifier).first()


def second_factor_required(user: Any) -> bool:
    """Required by role (User.needs_second_factor), and also for anyone who set one up of
    their own accord: a factor that can be skipped protects nothing."""
    return bool(user.needs_second_factor or django_otp.user_has_device(user, confirmed=True))


def _slowed(seconds: float) -> str:
    return f"; slowed down {seconds:.2f} s" if seconds > 0 else ""


def log_in(request: HttpRequest, user: User, *, identifier: str, attempt: throttle.Attempt | None = None,
           slowed_seconds: float = 0.0) -> None:
    """Start a session after a correct password (the second factor, if needed, comes next)."""
    address = throttle.client_address(request)
    attempt = attempt or throttle.login_attempt(identifier, user, address)
    with transaction.atomic():
        auth_login(request, user)
        pending = second_factor_required(user)
        audit.record(
            actor=user, action=AuditEvent.Action.LOGIN, obj=user,
            summary=f"password accepted from {address}" + ("; second factor pending" if pending else "")
            + _slowed(slowed_seconds),
        )
    throttle.register_success(attempt)


_REFUSALS = {
    "pair": "too many failed attempts for this account from this address, refused unchecked",
    "address": "too many failed attempts from this address, refused unchecked",
}


def record_failed_login(request: HttpRequest, *, identifier: str, refused: bool,
                        attempt: throttle.Attempt | None = None, lock: throttle.Lock | None = None,
                        slowed_seconds: float = 0.0) -> None:
    """Count a failed attempt towards the throttle and audit it (never with the password).

    ``refused``: the attempt was turned away by the throttle without checking the password;
    it does not count again, or an attacker could keep the lock going for ever.
    """
    address = throttle.client_address(request)
    user = find_user_for_login(identifier)
    if not refused:
        throttle.register_failure(attempt or throttle.login_attempt(identifier, user, address))
    if refused:
        reason = _REFUSALS.get(lock.scope if lock else "", "too many failed attempts, refused unchecked")
    else:
        reason = "wrong name or password" + _slowed(slowed_seconds)
    # An unknown name is not written down: people type their password into the name field.
    audit.record(
        actor=None, action=AuditEvent.Action.LOGIN_FAILED,
        obj=user, object_type=None if user else "accounts.user",
        summary=f"{reason}; from {address}" + ("" if user else "; no such account"),
    )


def log_out(request: HttpRequest) -> None:
    user = request.user
    with transaction.atomic():
        if user.is_authenticated:
            audit.record(actor=user, action=AuditEvent.Action.LOGOUT, obj=user)
        auth_logout(request)


# --- Single sign-on (OpenID Connect; decision 0035) -----------------------------------------

# Session keys of a single sign-on session: the ID token (the logout hint for the provider) and, when the
# provider's sign-in was multi-factor, the account it vouched for (middleware.second_factor_pending).
SSO_ID_TOKEN_SESSION_KEY = "accounts:sso_id_token"  # noqa: S105 - a session key, not a secret
SSO_MFA_SESSION_KEY = "accounts:sso_mfa_user"


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _free_username(wanted: str, subject: str) -> str:
    """A username for a new account: the provider's, if valid and free, else one derived from the subject."""
    base = wanted[:150]
    try:
        User.username_validator(base)
    except ValidationError:
        base = ""
    if not base:
        base = "sso-" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:12]
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base[:140]}-{number}"
    return candidate


def _find_or_link_account(*, issuer: str, subject: str, email: str, email_verified: bool,
                          may_create: bool, claims: dict[str, Any],
                          ) -> tuple[User | None, SignOnIdentity | None, bool]:
    """The account and identity for (issuer, subject), and whether the account was created just now."""
    identity = SignOnIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        return identity.user, identity, False
    existing = User.objects.filter(email__iexact=email).first() if email else None
    if existing is not None:
        if not (settings.OIDC_LINK_BY_EMAIL and email_verified):
            raise oidc.SignOnRefused(
                oidc.REASON_ACCOUNT_CONFLICT,
                "a local account has the provider's e-mail address and linking by e-mail is off or the address "
                f"is not verified; account {existing.pk}",
            )
        identity = SignOnIdentity.objects.create(user=existing, issuer=issuer, subject=subject)
        audit.record_create(actor=None, obj=identity,
                            summary=f"local account {existing.username} linked by its verified e-mail address")
        return existing, identity, False
    if not may_create:
        return None, None, False
    user = User(username=_free_username(_claim(claims, settings.OIDC_CLAIM_USERNAME), subject), email=email,
                first_name=_claim(claims, settings.OIDC_CLAIM_GIVEN_NAME)[:150],
                last_name=_claim(claims, settings.OIDC_CLAIM_FAMILY_NAME)[:150])
    user.set_unusable_password()  # signs in through the provider only
    user.save()
    audit.record_create(actor=None, obj=user, summary=f"account created at single sign-on from {issuer}")
    identity = SignOnIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    audit.record_create(actor=None, obj=identity, summary="single sign-on identity of a new account")
    return user, identity, True


def _sync_memberships(user: User, groups: frozenset[str]) -> set[tuple[int, str]]:
    """Make the account's memberships that the mapping governs follow its groups; return the granted pairs.

    Only (organisation, role) pairs that appear in the mapping are added or removed; a role an administrator
    gave by hand in an organisation and role the mapping never names stays."""
    rules = oidc.role_mapping()
    names = {rule.organisation for rule in rules}
    organisations = {org.name: org for org in Organisation.objects.filter(name__in=names)}
    managed: set[tuple[int, str]] = set()
    wanted: dict[tuple[int, str], str] = {}
    for rule in rules:
        organisation = organisations.get(rule.organisation)
        if organisation is None:
            continue  # named in the mapping but not (yet) created here: grants nothing
        managed.add((organisation.pk, rule.role))
        if rule.group in groups:
            wanted.setdefault((organisation.pk, rule.role), rule.group)
    current = {(m.organisation_id, m.role): m for m in Membership.objects.filter(user=user).select_related(
        "organisation")}
    for pair, group in wanted.items():
        if pair not in current:
            membership = Membership.objects.create(user=user, organisation_id=pair[0], role=pair[1])
            audit.record_create(actor=None, obj=membership,
                                summary=f"granted at single sign-on by the provider's group {group}")
    for pair, membership in current.items():
        if pair in managed and pair not in wanted:
            try:
                with transaction.atomic():
                    remove_membership(actor=None, membership=membership)
            except ValidationError:
                continue  # the last administrator stays; the trail shows no removal
    user.__dict__.pop("_role_cache", None)  # role_set reads the memberships anew
    return set(wanted)


def provision_sign_on_user(*, issuer: str, claims: dict[str, Any], mfa_by_provider: bool = True) -> User:
    """The account for a sign-on the provider vouched for: found by (issuer, subject), linked by e-mail if
    allowed, or created; names and e-mail updated; memberships following the mapped groups.

    Raises oidc.SignOnRefused (nothing created) when no group maps to a role here, when a local account holds
    the e-mail address and may not be linked, when the claims lack a subject or e-mail address, or when a new
    account's roles need a second factor that the provider's sign-in was not (``mfa_by_provider``) and that a
    new account cannot have set up here. An existing account in that case is updated and the caller refuses
    the session (views.SignOnCallbackView), so roles the provider withdrew are gone either way."""
    subject = _claim(claims, "sub")
    email = User.objects.normalize_email(_claim(claims, settings.OIDC_CLAIM_EMAIL))
    if not subject or not email:
        raise oidc.SignOnRefused(oidc.REASON_CLAIMS, "the provider sent no subject or no e-mail address")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise oidc.SignOnRefused(oidc.REASON_CLAIMS, "the provider's e-mail address is not valid") from exc
    groups = oidc.groups_of(claims)
    mapped = any(rule.group in groups for rule in oidc.role_mapping())
    with transaction.atomic():
        user, identity, created = _find_or_link_account(
            issuer=issuer, subject=subject, email=email, email_verified=claims.get("email_verified") is True,
            may_create=mapped, claims=claims)
        if user is None or identity is None:
            raise oidc.SignOnRefused(oidc.REASON_NO_ROLE, f"no group maps to a role; groups: {sorted(groups)}")
        if not user.is_active:
            raise oidc.SignOnRefused(oidc.REASON_INACTIVE, f"account {user.pk} is deactivated")
        before = audit.snapshot(user, ["email", "first_name", "last_name"])
        user.first_name = _claim(claims, settings.OIDC_CLAIM_GIVEN_NAME)[:150] or user.first_name
        user.last_name = _claim(claims, settings.OIDC_CLAIM_FAMILY_NAME)[:150] or user.last_name
        if not User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            user.email = email
        user.save(update_fields=["email", "first_name", "last_name"])
        audit.record_update(actor=None, obj=user, before=before, summary="updated from the identity provider")
        granted = _sync_memberships(user, groups)
        if created and not mfa_by_provider and {role for _, role in granted} & SECOND_FACTOR_ROLES:
            # Rolls back the new account, its identity and memberships, and their trail entries.
            raise oidc.SignOnRefused(oidc.REASON_SECOND_FACTOR, "the role needs a second factor; the provider's "
                                     f"sign-in was not multi-factor (amr {claims.get('amr')!r}, acr "
                                     f"{claims.get('acr')!r}) and a new account has no authenticator here; "
                                     "no account was created")
        identity.last_sign_on_at = timezone.now()
        identity.save(update_fields=["last_sign_on_at"])
    if not granted:
        # Committed above: roles the provider withdrew are gone even though this sign-on is refused.
        raise oidc.SignOnRefused(oidc.REASON_NO_ROLE, f"no group maps to a role; groups: {sorted(groups)}")
    return user


def log_in_with_provider(request: HttpRequest, user: User, *, id_token: str, mfa_by_provider: bool) -> None:
    """Start a session after the provider's sign-on. A multi-factor sign-in there counts as the second factor;
    otherwise a role that needs one is asked for the account's own code next (middleware)."""
    address = throttle.client_address(request)
    with transaction.atomic():
        user.backend = "kommunalschutz.foundation.accounts.auth.SignOnBackend"  # type: ignore[attr-defined]
        auth_login(request, user)
        request.session[SSO_ID_TOKEN_SESSION_KEY] = id_token
        if mfa_by_provider:
            request.session[SSO_MFA_SESSION_KEY] = user.pk
        pending = second_factor_required(user) and not mfa_by_provider
        audit.record(
            actor=user, action=AuditEvent.Action.LOGIN, obj=user,
            summary=f"single sign-on from {address}"
            + ("; multi-factor at the identity provider" if mfa_by_provider else "")
            + ("; second factor pending" if pending else ""),
        )


def record_refused_sign_on(request: HttpRequest, *, detail: str, user: User | None = None) -> None:
    """Audit a refused single sign-on (never with a token)."""
    audit.record(actor=None, action=AuditEvent.Action.LOGIN_FAILED, obj=user,
                 object_type=None if user else "accounts.user",
                 summary=f"single sign-on refused: {detail}; from {throttle.client_address(request)}")


def set_password(*, actor: Actor, user: User, password: str) -> None:
    """Set a new password (validated by the caller's form); the trail shows that it changed, not to what.

    Lifts the account's login locks and slow-down: whoever set the password controls the
    mailbox, and a lock someone provoked on purpose should not outlast that.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=user,
            changes={"password": {"old": audit.SECRET_MARKER, "new": audit.SECRET_MARKER}},
            summary="password set",
        )
    throttle.clear_account(user)


def set_account_active(*, actor: Actor, user: User, active: bool) -> None:
    """Deactivate or reactivate an account. A deactivated account cannot log in, its sessions
    end with the next request and its API tokens stop working; nothing is deleted."""
    if not active and getattr(actor, "pk", None) == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        before = audit.snapshot(user, ["is_active"])
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record_update(actor=actor, obj=user, before=before,
                            summary="account reactivated" if active else "account deactivated")


def set_office(*, actor: Actor, user: User, office: str) -> User:
    """Set the office or mandate of an account ("" for none); the person's own reports take it as their role.

    Refuses a value outside the catalogue (accounts.models.Office) with a German error and writes nothing."""
    office = (office or "").strip()
    if office and office not in Office.values:
        raise ValidationError({"office": _("Please choose an office from the list, or none.")})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.office == office:
            return user
        before = audit.snapshot(user, ["office"])
        user.office = office
        user.save(update_fields=["office"])
        audit.record_update(actor=actor, obj=user, before=before, summary="office or mandate changed")
    return user


# --- Second factor --------------------------------------------------------------------


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("-pk").first()


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()


def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows; created once, reused on reload."""
    with transaction.atomic():
        device = pending_totp_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
            audit.record_create(actor=user, obj=device, summary="second-factor enrolment started")
        return device


def confirm_totp_enrolment(request: HttpRequest, *, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending device with its first code and mark the session as verified.

    Any older device is removed: a person has one authenticator, and a lost phone
    must not keep working after its replacement was set up.
    """
    user = request.user
    assert isinstance(user, User)
    with transaction.atomic():
        verified = django_otp.verify_token(user, device.persistent_id, token.strip())
        if verified is None:
            audit.record(actor=user, action=AuditEvent.Action.LOGIN_FAILED, obj=device,
                         summary="wrong code while setting up the second factor")
            return False
        before = audit.snapshot(verified, ["confirmed"])
        verified.confirmed = True
        verified.save(update_fields=["confirmed"])
        audit.record_update(actor=user, obj=verified, before=before, summary="second factor set up")
        for old in TOTPDevice.objects.filter(user=user).exclude(pk=verified.pk):
            audit.record_delete(actor=user, obj=old, summary="replaced by a new second factor")
            old.delete()
        django_otp.login(request, verified)
    return True


def second_factor_lock(request: HttpRequest) -> throttle.Lock | None:
    """Whether this address has sent too many wrong codes for the logged-in account (then: refused)."""
    return throttle.check_code(throttle.code_attempt(request.user, throttle.client_address(request)))


def record_refused_code(request: HttpRequest, *, obj: Any) -> None:
    """Audit a code turned away unchecked by the throttle (it does not count again)."""
    audit.record(actor=request.user, action=AuditEvent.Action.LOGIN_FAILED, obj=obj,
                 summary="too many wrong second-factor codes for this account from this address, refused "
                         f"unchecked; from {throttle.client_address(request)}")


def verify_second_factor(request: HttpRequest, *, device: TOTPDevice, token: str) -> bool:
    """Check a code against the user's device.

    Wrong codes slow the next checks of this account down (from anywhere) and count towards the
    (account, address) limit that the view checks first (``second_factor_lock``); they never make a
    correct code fail. django_otp's own per-device throttle is switched off (OTP_TOTP_THROTTLE_FACTOR).
    """
    user = request.user
    assert isinstance(user, User)
    address = throttle.client_address(request)
    attempt = throttle.code_attempt(user, address)
    slowed = throttle.slow_down_code(attempt)
    with transaction.atomic():
        verified = django_otp.verify_token(user, device.persistent_id, token.strip())
        if verified is None:
            audit.record(actor=user, action=AuditEvent.Action.LOGIN_FAILED, obj=user,
                         summary=f"wrong second-factor code from {address}{_slowed(slowed)}")
        else:
            django_otp.login(request, verified)
            audit.record(actor=user, action=AuditEvent.Action.LOGIN, obj=user,
                         summary=f"second factor verified from {address}{_slowed(slowed)}")
    if verified is None:
        throttle.register_code_failure(attempt)
        return False
    throttle.register_code_success(attempt)
    return True


def code_already_used(device: TOTPDevice, token: str) -> bool:
    """Whether a refused code is one the device accepted before: the current code (or one within the clock
    tolerance) entered a second time before the app shows the next one. django_otp accepts each time step
    once (``last_t``), so the person is told to wait for the next code instead of that the code is wrong."""
    text = token.strip()
    if not text.isdigit():
        return False
    device.refresh_from_db(fields=["last_t", "drift"])
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return bool(totp.verify(int(text), device.tolerance)) and totp.t() <= device.last_t


def reset_second_factor(*, actor: Actor, user: User) -> int:
    """Remove all of a person's devices (lost phone); they enrol again at their next login."""
    with transaction.atomic():
        devices = list(TOTPDevice.objects.filter(user=user))
        for device in devices:
            audit.record_delete(actor=actor, obj=device, summary=f"second factor of {user.username} reset")
            device.delete()
    return len(devices)


# --- API tokens -----------------------------------------------------------------------


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(*, actor: Actor, user: User, name: str, days: int | None = None) -> str:
    """Create a token for ``user`` and return its plaintext; only its hash is kept."""
    name = name.strip()
    if days is None:
        days = settings.API_TOKEN_DEFAULT_DAYS
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Please give the token a name.")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        errors["days"] = _("A token is valid for at least 1 and at most %(max)d days.") % {"max": MAX_TOKEN_DAYS}
    if not user.is_active:
        errors["user"] = _("Inactive accounts cannot have tokens.")
    if errors:
        raise ValidationError(errors)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = APIToken.objects.create(
            user=user, name=name[:100], prefix=plaintext[:12], token_hash=hash_token(plaintext),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit.record_create(actor=actor, obj=token, summary=f"API token for {user.username}")
    return plaintext


def revoke_token(*, actor: Actor, token: APIToken) -> APIToken:
    with transaction.atomic():
        # Locked so that two revocations record one change, not two.
        token = APIToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            before = audit.snapshot(token, ["revoked_at"])
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record_update(actor=actor, obj=token, before=before, summary="API token revoked")
    return token


def authenticate_token(plaintext: str) -> APIToken | None:
    """The active token with this secret, its user loaded; None for anything else."""
    if not plaintext or len(plaintext) > 200:
        return None
    token = APIToken.objects.select_related("user").filter(token_hash=hash_token(plaintext)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        # Not audited: usage is bookkeeping, not a change to data.
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Organisations and memberships ------------------------------------------------------


def _check_registry_links(kind: str, links: dict[str, Any]) -> dict[str, str]:
    """Errors per field when the registry links do not fit the organisation's kind."""
    from kommunalschutz.foundation.registry.models import StateAuthority

    errors: dict[str, str] = {}
    wanted = REGISTRY_LINKS.get(kind)
    for field in REGISTRY_LINK_FIELDS:
        if field != wanted and links.get(field) is not None:
            errors[field] = _("An organisation of this type is not linked to this kind of registry entry.")
    if wanted and kind in REGISTRY_LINK_REQUIRED and links.get(wanted) is None:
        errors[wanted] = _("An organisation of this type needs this registry entry.")
    authority = links.get("authority")
    if wanted == "authority" and authority is not None:
        expected = (
            StateAuthority.Kind.LKA if kind == Organisation.Kind.LKA else StateAuthority.Kind.COORDINATION_OFFICE
        )
        if authority.kind != expected:
            errors["authority"] = _("This state authority does not match the type of organisation.")
    return errors


def create_organisation(
    *, actor: Actor, kind: str, name: str, email: str = "", phone: str = "", **links: Any
) -> Organisation:
    """Create an organisation linked to its registry entry (a municipality's town, a police directorate…)."""
    name = name.strip()
    unknown = set(links) - set(REGISTRY_LINK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown registry links: {sorted(unknown)}")
    errors: dict[str, str] = {}
    if kind not in Organisation.Kind.values:
        errors["kind"] = _("Unknown type of organisation.")
    else:
        errors.update(_check_registry_links(kind, links))
    if not name:
        errors["name"] = _("Please enter a name.")
    elif Organisation.objects.filter(name__iexact=name).exists():
        errors["name"] = _("An organisation with this name already exists.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                kind=kind, name=name, email=email.strip(), phone=phone.strip(),
                **{field: links.get(field) for field in REGISTRY_LINK_FIELDS},
            )
            audit.record_create(actor=actor, obj=organisation)
    except IntegrityError as exc:  # a concurrent request created the same name first
        raise ValidationError({"name": _("An organisation with this name already exists.")}) from exc
    return organisation


def create_user(*, actor: Actor, username: str, email: str, first_name: str = "", last_name: str = "") -> User:
    """Create an account without a usable password; its owner sets one through the e-mailed link."""
    username, email = username.strip(), User.objects.normalize_email(email.strip())
    errors: dict[str, str] = {}
    try:
        User.username_validator(username)
    except ValidationError:
        errors["username"] = _("Use letters, digits and @ . + - _ only.")
    if not username:
        errors["username"] = _("Please enter a username.")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("This username is already taken.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Please enter a valid e-mail address.")
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = _("An account with this e-mail address already exists.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User(username=username, email=email, first_name=first_name.strip(), last_name=last_name.strip())
            user.set_unusable_password()
            user.save()
            audit.record_create(actor=actor, obj=user, summary="account created")
    except IntegrityError as exc:  # a concurrent request created the same name first
        raise ValidationError(_("An account with this username or e-mail address already exists.")) from exc
    return user


def add_member(
    *,
    actor: Actor,
    organisation: Organisation,
    role: str,
    email: str,
    username: str = "",
    first_name: str = "",
    last_name: str = "",
    site_url: str,
) -> Membership:
    """Give a person a role in an organisation.

    An existing account is found by its e-mail address (letter case ignored). Otherwise
    a new account is created and its owner gets an e-mail with a link to set a password.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email.strip()).first()
        created = user is None
        if user is None:
            user = create_user(actor=actor, username=username, email=email, first_name=first_name,
                               last_name=last_name)
        if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
            raise ValidationError(_("%(person)s already has this role in this organisation.") % {"person": user})
        try:
            with transaction.atomic():  # a savepoint: a concurrent request may give the same role first
                membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        except IntegrityError as exc:
            raise ValidationError(_("%(person)s already has this role in this organisation.")
                                  % {"person": user}) from exc
        audit.record_create(actor=actor, obj=membership)
    if created:
        new_user_id = user.pk
        # Queued after the commit, so the worker finds the account and a rollback sends nothing.
        transaction.on_commit(lambda: send_account_email(new_user_id, site_url, "welcome"))
    return membership


def remove_membership(*, actor: Actor, membership: Membership) -> None:
    with transaction.atomic():
        if membership.role == Role.ADMINISTRATOR:
            # Locked: two administrators removing each other at once must not both succeed.
            admins = list(Membership.objects.select_for_update().filter(role=Role.ADMINISTRATOR).values_list(
                "pk", flat=True))
            if admins == [membership.pk]:
                raise ValidationError(_("The last administrator cannot be removed."))
        audit.record_delete(actor=actor, obj=membership)
        membership.delete()


# --- Leaving: pseudonymised, never deleted ------------------------------------------------

PSEUDONYM_PREFIX = "former-"
PSEUDONYMISED_FIELDS = ("username", "email", "first_name", "last_name", "office")


def is_pseudonymised(user: User) -> bool:
    return user.username.startswith(PSEUDONYM_PREFIX) and user.email.endswith(".invalid") and not user.is_active


def pseudonymise_user(*, actor: Actor, user: User) -> User:
    """Close a person's account for good instead of deleting it.

    The account is deactivated, its name, e-mail address and username are replaced by a pseudonym, its
    password, second factors, API tokens and roles are removed. The row stays, so the audit trail (which
    nobody may rewrite, docs/foundation/audit.md) keeps pointing at a real account; the trail's earlier
    entries keep the name they were recorded with. Repeating it changes nothing.
    """
    if getattr(actor, "pk", None) == user.pk:
        raise ValidationError(_("You cannot pseudonymise your own account."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_pseudonymised(user):
            return user
        for membership in list(Membership.objects.filter(user=user).select_related("organisation")):
            try:
                remove_membership(actor=actor, membership=membership)
            except ValidationError as exc:
                raise ValidationError(_("The last administrator cannot be pseudonymised.")) from exc
        for device in list(TOTPDevice.objects.filter(user=user)):
            audit.record_delete(actor=actor, obj=device, summary="second factor removed with the account")
            device.delete()
        for token in list(APIToken.objects.filter(user=user)):
            audit.record_delete(actor=actor, obj=token, summary="API token removed with the account")
            token.delete()
        before = audit.snapshot(user, [*PSEUDONYMISED_FIELDS, "is_active", "password"])
        pseudonym = f"{PSEUDONYM_PREFIX}{user.pk}-{secrets.token_hex(4)}"
        user.username = pseudonym
        user.email = f"{pseudonym}@pseudonymised.invalid"  # .invalid never delivers (RFC 2606)
        user.first_name = user.last_name = user.office = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        # The old name and address stay out of the trail's new entry: the entry says they changed, not from what.
        audit.record_update(actor=actor, obj=user, before=before, secret=PSEUDONYMISED_FIELDS,
                            summary="account pseudonymised")
    return user
