"""Bearer-token authentication for the API: ``auth=token_auth`` on a router or operation.

Tokens are a credential of their own, separate from the browser session and its
second factor. They are created by their owner in the web interface (after the second
factor) or by an operator with ``kommunalschutz createtoken``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import User


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
