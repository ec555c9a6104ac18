"""Single sign-on with OpenID Connect (authorization code flow with PKCE): configuration, provider metadata,
the group mapping and the multi-factor test. The authentication backend is auth.SignOnBackend.

Built on mozilla-django-oidc.

Decision 0035 says why this library and what this module adds to it: the provider's endpoints from its
discovery document (fetched from the configured issuer only), a complete check of the ID token (signature,
issuer, audience, expiry, nonce; the library itself checks only signature and nonce), the ID token's and
the userinfo's claims together, groups mapped to organisations and roles, and the provider's multi-factor
sign-in (``amr``/``acr``) standing in for the platform's second factor.

The library reads its settings through ``get_settings``; the classes here answer them from our own
settings (docs/settings.md, OIDC_*), so nothing is read at import and tests can switch providers.
"""

from __future__ import annotations

import json
import threading
import tomllib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kommunalschutz.foundation.accounts.models import Role

# Claims only the ID token may carry: the userinfo answer must not change who signed in, how and for whom.
ID_TOKEN_ONLY_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "azp", "acr", "amr",
                                  "auth_time", "at_hash", "c_hash", "sid"})


def enabled() -> bool:
    """Whether single sign-on is configured (issuer and client id set)."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def local_login_enabled() -> bool:
    return bool(settings.LOCAL_LOGIN)


class SignOnRefused(Exception):
    """A sign-on the platform turns away. ``reason`` is shown to the person (German, through gettext at the
    view), ``detail`` goes to the audit trail (English, no token contents)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# Reasons a person reads; the view translates them (the msgids are marked in views.py).
REASON_PROVIDER = "provider"  # the provider said no, or could not be reached
REASON_TOKEN = "token"  # noqa: S105 - a reason, not a secret; the ID token failed a check (audience, expiry, issuer, signature, nonce)
REASON_NO_ROLE = "no_role"  # no group maps to a role here
REASON_ACCOUNT_CONFLICT = "account_conflict"  # a local account has that e-mail address and linking is off
REASON_SECOND_FACTOR = "second_factor"  # a role needs a second factor; the provider showed none, none set up here
REASON_INACTIVE = "inactive"  # the account is deactivated
REASON_CLAIMS = "claims"  # the provider sent no usable subject or e-mail address


# --- Provider metadata ---------------------------------------------------------------------

_discovered: dict[str, dict[str, Any]] = {}
_discovery_lock = threading.Lock()


def _discovery_document() -> dict[str, Any]:
    """The issuer's discovery document, fetched once per process from the configured address only."""
    url = settings.OIDC_DISCOVERY_URL or f"{settings.OIDC_ISSUER}/.well-known/openid-configuration"
    with _discovery_lock:
        if url not in _discovered:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT_SECONDS, verify=_verify())
            response.raise_for_status()
            document = response.json()
            if str(document.get("issuer", "")).rstrip("/") != settings.OIDC_ISSUER:
                raise ImproperlyConfigured(
                    f"The discovery document at {url} names the issuer {document.get('issuer')!r}, "
                    f"not OIDC_ISSUER={settings.OIDC_ISSUER!r}."
                )
            _discovered[url] = document
        return _discovered[url]


def forget_discovery() -> None:
    """Drop the cached discovery documents (tests switch providers; operators restart)."""
    with _discovery_lock:
        _discovered.clear()


def _verify() -> bool | str:
    return settings.OIDC_CA_BUNDLE or True


_ENDPOINTS = {
    "authorization": ("OIDC_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    "token": ("OIDC_TOKEN_ENDPOINT", "token_endpoint"),
    "userinfo": ("OIDC_USERINFO_ENDPOINT", "userinfo_endpoint"),
    "jwks": ("OIDC_JWKS_ENDPOINT", "jwks_uri"),
    "end_session": ("OIDC_END_SESSION_ENDPOINT", "end_session_endpoint"),
}


def endpoint(name: str) -> str:
    """An endpoint of the provider: from the settings if given there, else from discovery ("" if none)."""
    setting, key = _ENDPOINTS[name]
    configured: str = getattr(settings, setting)
    if configured:
        return configured
    if all(getattr(settings, s) for s, _k in _ENDPOINTS.values() if s != "OIDC_END_SESSION_ENDPOINT"):
        return ""  # everything given by hand: no discovery, and no end-session endpoint
    return str(_discovery_document().get(key) or "")


def library_setting(attr: str, *default: Any) -> Any:
    """Answer mozilla-django-oidc's settings from ours."""
    answers: dict[str, Any] = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": lambda: endpoint("authorization"),
        "OIDC_OP_TOKEN_ENDPOINT": lambda: endpoint("token"),
        "OIDC_OP_USER_ENDPOINT": lambda: endpoint("userinfo"),
        "OIDC_OP_JWKS_ENDPOINT": lambda: endpoint("jwks"),
        "OIDC_RP_CLIENT_ID": lambda: settings.OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": lambda: settings.OIDC_CLIENT_SECRET,
        "OIDC_RP_SIGN_ALGO": lambda: settings.OIDC_SIGN_ALGORITHM,
        "OIDC_RP_IDP_SIGN_KEY": lambda: None,
        "OIDC_RP_SCOPES": lambda: settings.OIDC_SCOPES,
        "OIDC_USE_PKCE": lambda: True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": lambda: "S256",
        "OIDC_USE_NONCE": lambda: True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": lambda: "accounts:sso_callback",
        "OIDC_TIMEOUT": lambda: settings.OIDC_TIMEOUT_SECONDS,
        "OIDC_VERIFY_SSL": _verify,
        "OIDC_PROXY": lambda: None,
        "OIDC_TOKEN_USE_BASIC_AUTH": lambda: False,
        "OIDC_STORE_ACCESS_TOKEN": lambda: False,
        "OIDC_STORE_ID_TOKEN": lambda: False,  # kept by services.log_in_with_provider for the logout hint
        "OIDC_CREATE_USER": lambda: True,
        "OIDC_ALLOW_UNSECURED_JWT": lambda: False,
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": lambda: {},
    }
    if attr in answers:
        return answers[attr]()
    if default:
        return getattr(settings, attr, default[0])
    try:
        return getattr(settings, attr)
    except AttributeError as exc:
        raise ImproperlyConfigured(f"Setting {attr} not found") from exc


# --- Groups to organisations and roles -------------------------------------------------------


@dataclass(frozen=True)
class MappingRule:
    group: str
    organisation: str  # the organisation's name, exactly as on its page
    role: str


_mapping_cache: dict[str, tuple[MappingRule, ...]] = {}


def role_mapping() -> tuple[MappingRule, ...]:
    """The configured rules (OIDC_ROLE_MAPPING: JSON or TOML); ImproperlyConfigured names what is wrong."""
    text = settings.OIDC_ROLE_MAPPING.strip()
    if text in _mapping_cache:
        return _mapping_cache[text]
    if not text:
        rules: list[Any] = []
    else:
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError:
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise ImproperlyConfigured(f"OIDC_ROLE_MAPPING is neither JSON nor TOML: {exc}") from exc
        rules = data.get("rules", []) if isinstance(data, dict) else data
    parsed = []
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict) or not {"group", "organisation", "role"} <= rule.keys():
            raise ImproperlyConfigured(f"OIDC_ROLE_MAPPING rule {number} needs group, organisation and role.")
        if rule["role"] not in Role.values:
            raise ImproperlyConfigured(
                f"OIDC_ROLE_MAPPING rule {number}: unknown role {rule['role']!r} (one of {', '.join(Role.values)})."
            )
        parsed.append(MappingRule(group=str(rule["group"]), organisation=str(rule["organisation"]),
                                  role=str(rule["role"])))
    _mapping_cache[text] = tuple(parsed)
    return _mapping_cache[text]


def groups_of(claims: dict[str, Any]) -> frozenset[str]:
    value = claims.get(settings.OIDC_CLAIM_GROUPS)
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list | tuple):
        return frozenset(str(item) for item in value)
    return frozenset()


def provider_mfa(id_claims: dict[str, Any]) -> bool:
    """Whether the ID token shows a multi-factor sign-in at the provider (OIDC_MFA_AMR / OIDC_MFA_ACR)."""
    amr = id_claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(map(str, amr)) & set(settings.OIDC_MFA_AMR):
        return True
    acr = id_claims.get("acr")
    return bool(acr) and str(acr) in set(settings.OIDC_MFA_ACR)


def end_session_url(*, id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's RP-initiated logout address (OpenID Connect RP-Initiated Logout 1.0), or "" if it has none."""
    if not enabled():
        return ""
    try:
        url = endpoint("end_session")
    except (requests.RequestException, ValueError, ImproperlyConfigured):
        return ""
    if not url:
        return ""
    params = {"client_id": settings.OIDC_CLIENT_ID, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(params)}"
