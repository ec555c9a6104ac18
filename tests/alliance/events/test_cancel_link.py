"""The e-mailed cancel link asks first, cancels once, and gives the seat to the next in line."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Event, Registration
from tests.alliance.events.conftest import register_public


def test_the_cancel_link_works_once(event: Event, client: Client) -> None:
    registration, token = register_public(event, 1)
    assert token is not None
    url = reverse("events:public_cancel", args=[token])

    page = client.get(url)
    assert page.status_code == 200
    registration.refresh_from_db()
    assert registration.status == "confirmed"  # opening the link (a mail scanner might) cancels nothing

    assert client.post(url).status_code == 200
    registration.refresh_from_db()
    assert registration.status == "cancelled" and registration.cancel_token_hash == ""

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_an_unknown_cancel_token_gives_404(event: Event, client: Client) -> None:
    register_public(event, 1)
    assert client.get(reverse("events:public_cancel", args=["erfunden"])).status_code == 404


def test_cancelling_by_link_promotes_the_waitlist(event: Event, client: Client,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    _first, token = register_public(event, 0)
    for number in range(1, 4):
        register_public(event, number)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events:public_cancel", args=[str(token)]))
    assert Registration.objects.get(email="person3@example.org").status == "confirmed"


def test_cancel_by_token_refuses_a_used_token(event: Event) -> None:
    _registration, token = register_public(event, 1)
    services.cancel_by_token(token=str(token))
    with pytest.raises(ValidationError) as refusal:
        services.cancel_by_token(token=str(token))
    assert "token" in refusal.value.message_dict
