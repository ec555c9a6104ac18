"""Require the second factor before anything else is served.

Runs after Django's AuthenticationMiddleware and django_otp's OTPMiddleware, which
provide ``request.user.is_verified()``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from kommunalschutz.foundation.accounts.services import SSO_MFA_SESSION_KEY, second_factor_required

# Pages an unverified user must still reach: to verify, to enrol, or to give up.
EXEMPT_URL_NAMES = ("accounts:logout", "accounts:otp_verify", "accounts:otp_setup", "accounts:otp_qr",
                    "accounts:sso_start", "accounts:sso_callback")


def second_factor_pending(user: object, request: HttpRequest | None = None) -> bool:
    """True if the signed-in user must (still) verify a second factor in this session.

    A single sign-on whose provider showed a multi-factor sign-in counts as verified (services.log_in_with_provider
    notes the account in the session; the session key changes at every login, so the note cannot carry over)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_verified():  # type: ignore[attr-defined]
        return False
    if request is not None and request.session.get(SSO_MFA_SESSION_KEY) == getattr(user, "pk", None):
        return False
    return second_factor_required(user)


def second_factor_url(user: object, next_url: str = "") -> str:
    """Where to send a user who has to verify: the code prompt, or enrolment if there is no device yet."""
    has_device = django_otp.user_has_device(user, confirmed=True)
    url = reverse("accounts:otp_verify" if has_device else "accounts:otp_setup")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt_paths: frozenset[str] | None = None
        self._api_prefix: str | None = None

    def _load_paths(self) -> tuple[frozenset[str], str]:
        # Resolved on first use: URLconf is not importable while middleware is built.
        if self._exempt_paths is None or self._api_prefix is None:
            self._exempt_paths = frozenset(reverse(name) for name in EXEMPT_URL_NAMES)
            self._api_prefix = reverse("api-v1:api-root")
        return self._exempt_paths, self._api_prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        exempt_paths, api_prefix = self._load_paths()
        path = request.path  # with the script prefix, like reverse()
        if path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        pending = second_factor_pending(request.user, request)
        # The shell (core.navigation) reads this instead of importing accounts: until the second
        # factor is verified, the page shows no more than an anonymous visit.
        request.second_factor_pending = pending  # type: ignore[attr-defined]  # set for core.navigation
        if path in exempt_paths or not pending:
            return self.get_response(request)
        if path.startswith(api_prefix):
            # The API authenticates with bearer tokens, a separate credential. A half-signed-in
            # browser session must not count there, so the API sees an anonymous visitor.
            request.user = AnonymousUser()
            return self.get_response(request)
        target = second_factor_url(request.user, request.get_full_path())
        if request.headers.get("HX-Request"):
            # An HTMX swap would put the code prompt inside a page fragment; reload the page instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
