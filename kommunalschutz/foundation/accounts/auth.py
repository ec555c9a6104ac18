"""Authentication: bearer tokens for the API (``auth=token_auth`` on a router or operation), and the
single sign-on backend (SignOnBackend, OpenID Connect; configuration in oidc.py).

Tokens are a credential of their own, separate from the browser session and its
second factor. They are created by their owner in the web interface (after the second
factor) or by an operator with ``kommunalschutz createtoken``.
"""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from ninja.security import HttpBearer

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.accounts.oidc import (
    ID_TOKEN_ONLY_CLAIMS,
    REASON_PROVIDER,
    REASON_TOKEN,
    SignOnRefused,
    enabled,
    endpoint,
    library_setting,
    provider_mfa,
)


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        # Parsed here rather than by HttpBearer, which logs a malformed header (secret and all)
        # when DEBUG is on.
        scheme, _space, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = services.authenticate_token(token)
        if api_token is None:
            return None
        request.user = api_token.user
        return api_token.user


token_auth = TokenAuth()


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required`` (or of an API call behind ``token_auth``)."""
    user = request.user
    if not isinstance(user, User):  # the decorators let no one else through
        raise TypeError("request_user() needs a signed-in user (login_required or token_auth)")
    return user


# --- The authentication backend ----------------------------------------------------------------


class SignOnBackend(OIDCAuthenticationBackend):  # type: ignore[misc]  # the library is untyped
    """mozilla-django-oidc's backend with the checks and the account handling of this platform."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads every endpoint here; ours are read when a callback needs them, so a password
        # login (which asks every backend) never triggers a discovery request.
        self.UserModel = User

    get_settings = staticmethod(library_setting)

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return endpoint("token")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return endpoint("userinfo")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return endpoint("jwks")

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(settings.OIDC_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return str(settings.OIDC_CLIENT_SECRET)

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return str(settings.OIDC_SIGN_ALGORITHM)

    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or "nonce" not in kwargs or not enabled():
            return None  # a password login, or single sign-on is off
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except SignOnRefused as exc:
            request.sign_on_refusal = exc  # type: ignore[attr-defined]  # read by views.sso_callback
            return None
        except (requests.RequestException, ValueError, KeyError) as exc:
            request.sign_on_refusal = SignOnRefused(  # type: ignore[attr-defined]
                REASON_PROVIDER, f"exchange with the identity provider failed: {type(exc).__name__}")
            return None
        return user

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """Check signature, algorithm, issuer, audience, expiry and issue time (the library checks no audience)."""
        try:
            header = jwt.get_unverified_header(payload)
            if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
                raise SignOnRefused(REASON_TOKEN, f"ID token signed with {header.get('alg')!r}, "
                                                  f"expected {self.OIDC_RP_SIGN_ALGO}")
            claims: dict[str, Any] = jwt.decode(
                payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER, leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SignOnRefused(REASON_TOKEN, "ID token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise SignOnRefused(REASON_TOKEN, "ID token issued for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise SignOnRefused(REASON_TOKEN, "ID token from another issuer") from exc
        except jwt.PyJWTError as exc:
            raise SignOnRefused(REASON_TOKEN, f"ID token refused: {type(exc).__name__}") from exc
        azp = claims.get("azp")
        if azp is not None and azp != self.OIDC_RP_CLIENT_ID:
            raise SignOnRefused(REASON_TOKEN, "ID token authorised for another party (azp)")
        return claims

    def verify_token(self, token: Any, **kwargs: Any) -> dict[str, Any]:
        if not token:
            raise SignOnRefused(REASON_PROVIDER, "the token response carried no ID token")
        try:
            payload: dict[str, Any] = super().verify_token(token, **kwargs)
        except SignOnRefused:
            raise
        except Exception as exc:  # the library raises SuspiciousOperation for a bad nonce or an unknown key
            raise SignOnRefused(REASON_TOKEN, f"ID token refused: {exc}") from exc
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint's (if the provider has one)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SignOnRefused(REASON_TOKEN, "userinfo answered for another subject")
            claims.update({k: v for k, v in userinfo.items() if k not in ID_TOKEN_ONLY_CLAIMS})
        if self.request is not None:
            self.request.sign_on_id_claims = payload
            self.request.sign_on_id_token = id_token
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        return services.provision_sign_on_user(issuer=settings.OIDC_ISSUER, claims=claims,
                                               mfa_by_provider=provider_mfa(payload))

    # Permissions are rules' and ModelBackend's business; this backend only signs people in.
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False

    def get_user(self, user_id: Any) -> User | None:
        # The library's get_user would bring back a deactivated account's session; Django's refuses it.
        user: User | None = ModelBackend.get_user(self, user_id)
        return user
