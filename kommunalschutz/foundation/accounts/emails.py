"""The account e-mails: a one-time link to set a password, for new accounts and password resets.

Sent by the task worker (accounts.tasks), so the link and its token are made there and never wait
in the queue's storage.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kommunalschutz.foundation.accounts.models import User


def password_set_link(*, user: User, site_url: str) -> str:
    """A one-time link to set a password, built with Django's password-reset tokens."""
    path = reverse("accounts:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
    })
    return site_url.rstrip("/") + path


def send_password_set_email(*, user: User, site_url: str, new_account: bool) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user, "link": password_set_link(user=user, site_url=site_url),
            "platform_name": settings.PLATFORM_NAME, "new_account": new_account,
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        subject = render_to_string("accounts/email/password_set_subject.txt", context).strip()
        body = render_to_string("accounts/email/password_set_email.txt", context)
    send_mail(subject, body, None, [user.email])
