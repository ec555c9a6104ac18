"""Accounts API: who am I, and my own tokens. Every operation takes a bearer token.

Tokens cannot be created through the API: a stolen token must not be able to mint
fresh ones. They are created in the web interface (behind the second factor) or by an
operator on the command line.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.auth import request_user, token_auth
from kommunalschutz.foundation.accounts.models import APIToken
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.core.collation import german

router = Router(tags=["accounts"], auth=token_auth)


class OrganisationRefOut(Schema):
    id: int
    name: str
    kind: str


class RoleOut(Schema):
    role: str
    role_label: str
    organisation: OrganisationRefOut


class MeOut(Schema):
    username: str
    name: str
    email: str
    roles: list[RoleOut]
    second_factor_required: bool


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    status: str


def _token_out(token: APIToken) -> TokenOut:
    return TokenOut(
        id=token.pk, name=token.name, prefix=token.prefix, created_at=token.created_at,
        expires_at=token.expires_at, last_used_at=token.last_used_at, revoked_at=token.revoked_at,
        status=token.status.value,
    )


@router.get("/me", response=MeOut, summary="The account the token belongs to")
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    memberships = user.memberships.select_related("organisation").order_by(*german("organisation__name"), "role")
    return MeOut(
        username=user.username,
        name=user.get_full_name(),
        email=user.email,
        roles=[
            RoleOut(
                role=membership.role, role_label=str(membership.get_role_display()),
                organisation=OrganisationRefOut(id=membership.organisation.pk, name=membership.organisation.name,
                                                kind=membership.organisation.kind),
            )
            for membership in memberships
        ],
        second_factor_required=user.needs_second_factor,
    )


@router.get("/tokens", response=list[TokenOut], summary="My API tokens (never their secrets)")
def token_list(request: HttpRequest) -> list[TokenOut]:
    user = request_user(request)
    require_perm(user, "accounts.manage_own_tokens")
    return [_token_out(token) for token in user.api_tokens.all()]


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke one of my tokens")
def token_revoke(request: HttpRequest, token_id: int) -> TokenOut:
    user = request_user(request)
    token = get_for_user(user, APIToken.objects.all(), "accounts.manage_token", pk=token_id)
    return _token_out(services.revoke_token(actor=user, token=token))
