"""Pages of the accounts app: login, second factor, password reset, profile, tokens, organisations.

Views stay thin: they authorise through rules (core.access), validate with forms and
write through services.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from kommunalschutz.foundation.accounts import forms, oidc, qr, services
from kommunalschutz.foundation.accounts.auth import request_user
from kommunalschutz.foundation.accounts.middleware import second_factor_pending, second_factor_url
from kommunalschutz.foundation.accounts.models import APIToken, Membership, Organisation, User
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import add_service_errors


def _has_next(request: HttpRequest) -> bool:
    return bool(request.POST.get("next") or request.GET.get("next"))


def _next_url(request: HttpRequest) -> str:
    """The page to continue to after login or verification; only local addresses are followed."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- Login and logout --------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    status = 200
    sign_on = {"sso_enabled": oidc.enabled(), "local_login": oidc.local_login_enabled(), "next": next_url}
    if not oidc.local_login_enabled():
        # Only single sign-on: a password sent anyway is not even checked.
        refused = request.method == "POST"
        if refused:
            messages.error(request, _("Logging in with a password is switched off on this platform. Please "
                                      "sign in with your administration's account."))
        return render(request, "accounts/login.html", {"form": None, **sign_on}, status=403 if refused else 200)
    if request.method == "POST":
        form = forms.LoginForm(request, data=request.POST)
        if form.is_valid() and form.user is not None:
            services.log_in(request, form.user, identifier=form.cleaned_data["username"],
                            attempt=form.throttle_attempt, slowed_seconds=form.slowed_seconds)
            # The new session is not verified yet, whatever the old one was.
            if services.second_factor_required(form.user):
                return redirect(second_factor_url(form.user, next_url))
            return redirect(next_url)
        if form.attempted:
            services.record_failed_login(request, identifier=form.cleaned_data.get("username") or
                                         request.POST.get("username", ""), refused=form.lock is not None,
                                         attempt=form.throttle_attempt, lock=form.lock,
                                         slowed_seconds=form.slowed_seconds)
            status = 429 if form.lock is not None else 200
    else:
        form = forms.LoginForm(request)
    return render(request, "accounts/login.html", {"form": form, **sign_on}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Logging out changes state, so it takes a POST; a GET shows the button. A single sign-on session also
    ends at the provider (RP-initiated logout) when the provider has an end-session endpoint."""
    if request.method == "POST":
        was_logged_in = request.user.is_authenticated
        id_token = request.session.get(services.SSO_ID_TOKEN_SESSION_KEY)
        services.log_out(request)
        if was_logged_in:
            messages.success(request, _("You have been logged out."))
        if id_token:
            provider_logout = oidc.end_session_url(
                id_token=id_token, post_logout_redirect_uri=request.build_absolute_uri(
                    reverse(settings.LOGOUT_REDIRECT_URL)))
            if provider_logout:
                return HttpResponseRedirect(provider_logout)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout.html")


# --- Single sign-on (OpenID Connect; oidc.py, auth.SignOnBackend, decision 0035) ----------------

def _sign_on_reasons() -> dict[str, str]:
    return {
        oidc.REASON_PROVIDER: _("The sign-in at your administration's identity provider did not succeed. Please "
                                "try again; if it fails again, please contact your IT service."),
        oidc.REASON_TOKEN: _("The identity provider's confirmation could not be accepted: it was not issued for "
                             "this platform, has expired or is not valid. Please sign in again; if it fails "
                             "again, please contact your IT service."),
        oidc.REASON_NO_ROLE: _("Your account at the identity provider has no role on this platform. Please ask "
                               "your administration for one of the groups that give access to Kommunalschutz."),
        oidc.REASON_ACCOUNT_CONFLICT: _("An account with your e-mail address already exists on this platform. "
                                        "Please log in with your password, or ask an administrator to link your "
                                        "account with single sign-on."),
        oidc.REASON_SECOND_FACTOR: _("Your role requires a second factor. Please sign in at your identity "
                                     "provider with a second factor (for example a security key or an "
                                     "authenticator app), or set up a second factor on this platform first."),
        oidc.REASON_INACTIVE: _("Your account on this platform is deactivated. Please contact an administrator."),
        oidc.REASON_CLAIMS: _("The identity provider did not send what this platform needs (a unique "
                              "identifier and an e-mail address). Please contact your IT service."),
    }


def _refuse_sign_on(request: HttpRequest, refusal: oidc.SignOnRefused, user: User | None = None) -> HttpResponse:
    services.record_refused_sign_on(request, detail=refusal.detail, user=user)
    return render(request, "accounts/sso_refused.html", {
        "reason": _sign_on_reasons().get(refusal.reason, _sign_on_reasons()[oidc.REASON_PROVIDER]),
        "local_login": oidc.local_login_enabled(),
    }, status=403)


class SignOnStartView(OIDCAuthenticationRequestView):  # type: ignore[misc]  # the library is untyped
    """Send the browser to the provider (authorization code flow with PKCE, state and nonce)."""

    get_settings = staticmethod(oidc.library_setting)

    def __init__(self, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # endpoints are read in get()

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.endpoint("authorization")
        except Exception as exc:  # the discovery document could not be fetched or does not fit
            return _refuse_sign_on(request, oidc.SignOnRefused(
                oidc.REASON_PROVIDER, f"discovery failed: {type(exc).__name__}"))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        response: HttpResponse = super().get(request)
        return response


class SignOnCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]  # the library is untyped
    """The provider's answer: the backend checks it and finds the account; here the session starts."""

    get_settings = staticmethod(oidc.library_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.enabled():
            raise Http404
        # Read before the library resets the session object.
        self.next_url = request.session.get("oidc_login_next") or reverse(settings.LOGIN_REDIRECT_URL)
        try:
            response: HttpResponse = super().get(request)
        except Exception as exc:  # an unknown or replayed state: SuspiciousOperation from the library
            return _refuse_sign_on(request, oidc.SignOnRefused(oidc.REASON_PROVIDER, f"callback refused: {exc}"))
        return response

    def login_failure(self) -> HttpResponse:
        request = self.request
        refusal = getattr(request, "sign_on_refusal", None)
        if refusal is None:
            error = request.GET.get("error", "")
            refusal = oidc.SignOnRefused(oidc.REASON_PROVIDER, f"the provider answered {error or 'no code'}"[:200])
        return _refuse_sign_on(request, refusal)

    def login_success(self) -> HttpResponse:
        request = self.request
        user = self.user
        id_claims = getattr(request, "sign_on_id_claims", {})
        mfa = oidc.provider_mfa(id_claims)
        needed = services.second_factor_required(user)
        if needed and not mfa and services.confirmed_totp_device(user) is None:
            return _refuse_sign_on(request, oidc.SignOnRefused(
                oidc.REASON_SECOND_FACTOR, "the role needs a second factor; the provider's sign-in was not "
                f"multi-factor (amr {id_claims.get('amr')!r}, acr {id_claims.get('acr')!r}) and no authenticator "
                "is set up here"), user)
        services.log_in_with_provider(request, user, id_token=getattr(request, "sign_on_id_token", ""),
                                      mfa_by_provider=mfa)
        if needed and not mfa:
            return redirect(second_factor_url(user, self.next_url))
        return HttpResponseRedirect(self.next_url)


sso_start = never_cache(SignOnStartView.as_view())
sso_callback = never_cache(SignOnCallbackView.as_view())


# --- Second factor ---------------------------------------------------------------------


def _code_lock_message(request: HttpRequest) -> str | None:
    lock = services.second_factor_lock(request)
    if lock is None:
        return None
    minutes = lock.retry_after_minutes
    return ngettext(
        "Too many wrong codes from your connection. Please wait %(minutes)d minute before trying again, "
        "and check that the time on your phone is correct.",
        "Too many wrong codes from your connection. Please wait %(minutes)d minutes before trying again, "
        "and check that the time on your phone is correct.",
        minutes,
    ) % {"minutes": minutes}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    next_url = _next_url(request)
    if not second_factor_pending(user, request):
        return redirect(next_url)
    device = services.confirmed_totp_device(user)
    if device is None:
        return redirect(second_factor_url(user, next_url))
    status = 200
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Only this address can be refused (after many wrong codes); wrong codes from anywhere slow the
        # check down but never make the right code fail.
        refusal = _code_lock_message(request)
        code = form.cleaned_data["otp_token"]
        if refusal is None and services.verify_second_factor(request, device=device, token=code):
            return redirect(next_url)
        if refusal is not None:
            services.record_refused_code(request, obj=user)
        if refusal is None and services.code_already_used(device, code):
            refusal_text = _("This code has just been used. Please wait for the next code in your app.")
        else:
            refusal_text = refusal or _("This code is not correct.")
        form.add_error("otp_token", refusal_text)
        status = 429 if refusal else 200
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url}, status=status)


def _may_enrol(user: User) -> bool:
    """Setting up a new authenticator needs the old one first, or the password alone could replace it."""
    return services.confirmed_totp_device(user) is None or bool(user.is_verified())  # type: ignore[attr-defined]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    next_url = _next_url(request)
    if not _may_enrol(user):
        return redirect(second_factor_url(user, next_url))
    device = services.start_totp_enrolment(user=user)
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Not throttled: whoever enrols sees the secret, so there is nothing to guess.
        if services.confirm_totp_enrolment(request, device=device, token=form.cleaned_data["otp_token"]):
            messages.success(request, _("Your second factor is set up. From now on you log in with a code."))
            return redirect(next_url if _has_next(request) else reverse("accounts:profile"))
        form.add_error("otp_token", _("This code is not correct. Check the time on your phone and enter "
                                      "the code currently shown."))
    return render(request, "accounts/otp_setup.html", {
        "form": form, "next": next_url, "secret": qr.grouped_secret(device),
        "issuer": settings.OTP_TOTP_ISSUER, "replacing": services.confirmed_totp_device(user) is not None,
    })


@login_required
@never_cache
def otp_qr(request: HttpRequest) -> HttpResponse:
    """The enrolment QR code as SVG; it contains the secret, so it is never cached."""
    user = request_user(request)
    device = services.pending_totp_device(user) if _may_enrol(user) else None
    if device is None:
        raise Http404
    response = HttpResponse(qr.svg(device.config_url), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


# --- Password reset (Django's views with our templates; the new password goes through services) ---


class _OnlyWithLocalLogin:
    """Password pages exist only while password login does (LOCAL_LOGIN): a password set then could not be used."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not oidc.local_login_enabled():
            raise Http404
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response


class PasswordResetView(_OnlyWithLocalLogin, auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(_OnlyWithLocalLogin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        services.set_password(actor=form.user, user=form.user, password=form.cleaned_data["new_password1"])
        # The link is single-use: forget the token this view kept in the session.
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = forms.PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_password(actor=user, user=user, password=form.cleaned_data["new_password1"])
        # Other sessions of this account end (their hash no longer matches); this one stays.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


password_reset = PasswordResetView.as_view()
password_reset_done = PasswordResetDoneView.as_view()
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = PasswordResetCompleteView.as_view()


# --- Profile and tokens -----------------------------------------------------------------

# A new token's secret between the POST that creates it and the one GET that shows it.
NEW_TOKEN_SESSION_KEY = "accounts:new_token"  # noqa: S105 - a session key, not a secret


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    memberships = user.memberships.select_related("organisation").order_by(*german("organisation__name"), "role")
    return render(request, "accounts/profile.html", {
        "profile_user": user,
        "memberships": memberships,
        "second_factor_required": user.needs_second_factor,
        "has_device": services.confirmed_totp_device(user) is not None,
        "verified": bool(user.is_verified()),  # type: ignore[attr-defined]
        "active_tokens": user.api_tokens.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()).count(),
        "can_manage_tokens": user.has_perm("accounts.manage_own_tokens"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def office_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The office or mandate of an account: the person's own (from "My account"), or anyone's for an
    administrator (from an organisation's page). Everyone else gets 404."""
    user = request_user(request)
    person = get_for_user(user, User.objects.all(), "accounts.change_office", pk=pk)
    own = person.pk == user.pk
    if _has_next(request):
        back = _next_url(request)
    else:
        back = reverse("accounts:profile" if own else "accounts:organisation_list")
    form = forms.OfficeForm(request.POST or None, initial={"office": person.office})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_office(actor=user, user=person, office=form.cleaned_data["office"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The office or mandate has been saved."))
            return redirect(back)
    return render(request, "accounts/office_form.html", {
        "form": form, "person": person, "own": own, "back": back, "next": back if _has_next(request) else "",
    }, status=400 if form.errors else 200)


@login_required
@never_cache  # the response may carry a new token's secret
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """Create a token by POST, then redirect (post/redirect/get): the secret waits in the session and is
    shown by the next GET only, so a reload neither creates a second token nor shows the secret again."""
    user = request_user(request)
    require_perm(user, "accounts.manage_own_tokens")
    if request.method == "POST":
        form = forms.TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                secret = services.create_token(actor=user, user=user, name=form.cleaned_data["name"],
                                               days=form.cleaned_data["days"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                request.session[NEW_TOKEN_SESSION_KEY] = secret
                return redirect("accounts:token_list")
    else:
        form = forms.TokenCreateForm(initial={"days": settings.API_TOKEN_DEFAULT_DAYS})
    new_token: str | None = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(request, "accounts/token_list.html", {
        "form": form, "new_token": new_token, "tokens": user.api_tokens.all(),
    }, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    token = get_for_user(user, APIToken.objects.all(), "accounts.manage_token", pk=pk)
    services.revoke_token(actor=user, token=token)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:token_list")


# --- Organisations ------------------------------------------------------------------------


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "accounts.view_organisations")
    organisations = Organisation.objects.select_related(
        "municipality", "district", "police_directorate", "authority"
    ).annotate(member_count=Count("memberships__user", distinct=True))
    return render(request, "accounts/organisation_list.html", {
        "organisations": organisations, "can_create": user.has_perm("accounts.manage_organisations"),
    })


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    organisation = get_for_user(
        user, Organisation.objects.select_related("municipality", "district", "police_directorate", "authority"),
        "accounts.view_organisation", pk=pk,
    )
    can_manage = user.has_perm("accounts.manage_users")
    people = User.objects.filter(memberships__organisation=organisation).distinct()
    if can_manage:
        people = people.annotate(has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
    people = people.order_by(*german("last_name", "first_name"), "username").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(organisation=organisation).order_by("role"),
                 to_attr="roles_here")
    )
    return render(request, "accounts/organisation_detail.html", {
        "organisation": organisation, "people": people, "can_manage": can_manage,
    })


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "accounts.manage_organisations")
    form = forms.OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The organisation “%(name)s” has been created.") % {"name": organisation})
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    organisation = get_for_user(user, Organisation.objects.all(), "accounts.view_organisation", pk=pk)
    require_perm(user, "accounts.manage_users")
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.add_member(actor=user, organisation=organisation,
                                             site_url=request.build_absolute_uri("/"), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(person)s now has the role “%(role)s” in this organisation.") % {
                "person": membership.user, "role": membership.get_role_display()})
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(request, "accounts/membership_form.html", {"form": form, "organisation": organisation},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def membership_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponseBase:
    user = request_user(request)
    organisation = get_for_user(user, Organisation.objects.all(), "accounts.view_organisation", pk=pk)
    require_perm(user, "accounts.manage_users")
    membership = get_for_user(user, organisation.memberships.select_related("user"), "accounts.manage_users",
                              pk=membership_pk)
    back = reverse("accounts:organisation_detail", args=[organisation.pk])
    if request.method == "POST":
        try:
            services.remove_membership(actor=user, membership=membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The role has been removed."))
        return redirect(back)
    return render(request, "accounts/confirm.html", {
        "title": _("Remove role"),
        "question": _("Remove the role “%(role)s” of %(person)s in %(organisation)s?") % {
            "role": membership.get_role_display(), "person": membership.user, "organisation": organisation},
        "button": _("Remove role"), "cancel_url": back,
    })


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    person = get_for_user(user, User.objects.all(), "accounts.manage_users", pk=pk)
    back = _next_url(request) if _has_next(request) else reverse("accounts:organisation_list")
    if request.method == "POST":
        removed = services.reset_second_factor(actor=user, user=person)
        messages.success(request, ngettext(
            "%(count)d second factor of %(person)s removed. They set up a new one at their next login.",
            "%(count)d second factors of %(person)s removed. They set up a new one at their next login.",
            removed) % {"count": removed, "person": person})
        return redirect(back)
    return render(request, "accounts/confirm.html", {
        "title": _("Reset second factor"),
        "question": _("Remove the second factor of %(person)s? Use this when the phone is lost. They will "
                      "set up a new authenticator app at their next login.") % {"person": person},
        "button": _("Reset second factor"), "cancel_url": back, "next": back,
    })


@login_required
@require_http_methods(["GET", "POST"])
def account_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate or reactivate an account (the way to cut someone off completely)."""
    user = request_user(request)
    person = get_for_user(user, User.objects.all(), "accounts.manage_users", pk=pk)
    back = _next_url(request) if _has_next(request) else reverse("accounts:organisation_list")
    if request.method == "POST":
        active = request.POST.get("active") == "1"
        try:
            services.set_account_active(actor=user, user=person, active=active)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, (_("The account of %(person)s has been reactivated.") if active else
                                       _("The account of %(person)s has been deactivated.")) % {"person": person})
        return redirect(back)
    if person.is_active:
        title, button = _("Deactivate account"), _("Deactivate account")
        question = _("Deactivate the account of %(person)s? They can no longer log in, open sessions end and "
                     "their API tokens stop working. Nothing is deleted; the account can be reactivated.") % {
            "person": person}
    else:
        title, button = _("Reactivate account"), _("Reactivate account")
        question = _("Reactivate the account of %(person)s?") % {"person": person}
    return render(request, "accounts/confirm.html", {
        "title": title, "question": question, "button": button, "cancel_url": back, "next": back,
        "fields": {"active": "0" if person.is_active else "1"},
    })
