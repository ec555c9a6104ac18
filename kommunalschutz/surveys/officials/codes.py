"""Access codes of the sealed envelopes and tokens of the open links.

The code format is the citizen survey's (sampling.codes: 12 characters without look-alikes, in groups of
four); the HMAC has a purpose of its own, so a citizen's code can never open the officials' questionnaire
and the other way round.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

from kommunalschutz.surveys.sampling.codes import new_code, normalise

__all__ = ["digest", "link_digest", "new_code", "new_link_token", "normalise"]

_CODE_PURPOSE = "kommunalschutz.officials.access-code"
_LINK_PURPOSE = "kommunalschutz.officials.open-link"


def digest(code: str) -> str:
    return salted_hmac(_CODE_PURPOSE, code, algorithm="sha256").hexdigest()


def new_link_token() -> str:
    return secrets.token_urlsafe(24)


def link_digest(token: str) -> str:
    return salted_hmac(_LINK_PURPOSE, token, algorithm="sha256").hexdigest()
