"""Account e-mails, sent by the task worker rather than in the request."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from kommunalschutz.foundation.accounts.emails import send_password_set_email
from kommunalschutz.foundation.accounts.models import User

KINDS = {"reset", "welcome"}


def deliver_account_email(user_id: int, site_url: str, kind: str) -> bool:
    """Send a password-reset ("reset") or new-account ("welcome") e-mail with a fresh set-password link.

    The link is made here, in the worker, so no reset token waits in the queue's storage.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown account e-mail {kind!r}.")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    send_password_set_email(user=user, site_url=site_url, new_account=kind == "welcome")
    return True


send_account_email = db_task()(deliver_account_email)
