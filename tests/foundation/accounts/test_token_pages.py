"""The token page: list own tokens, create one (secret shown once), revoke by POST."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.accounts import services
from kommunalschutz.foundation.accounts.models import APIToken
from tests.conftest import World

URL = reverse("accounts:token_list")


def test_token_page_needs_a_login(client: Client, db: None) -> None:
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))


def test_creating_a_token_shows_its_secret_exactly_once(world: World, login: Any) -> None:
    client = login(world.analyst)
    posted = client.post(URL, {"name": "Statistik-Skript", "days": "30"})
    assert posted.status_code == 302 and posted["Location"] == URL  # post/redirect/get
    response = client.get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    token = APIToken.objects.get(user=world.analyst)
    secret = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert secret.startswith(token.prefix)
    assert services.authenticate_token(secret) is not None
    later = client.get(URL).content.decode()
    assert secret not in later
    assert "Statistik-Skript" in later
    assert token.prefix in later


def test_token_list_shows_status_dates_and_only_own_tokens(world: World, login: Any) -> None:
    services.create_token(actor=None, user=world.analyst, name="aktiv", days=5)
    services.create_token(actor=None, user=world.analyst, name="widerrufen", days=5)
    services.revoke_token(actor=None, token=APIToken.objects.get(name="widerrufen"))
    services.create_token(actor=None, user=world.coach, name="fremd", days=5)
    html = login(world.analyst).get(URL).content.decode()
    assert "aktiv" in html
    assert "widerrufen" in html
    assert "fremd" not in html
    assert html.count("Widerrufen<span") == 1  # only the active token has a button
    assert "nie" in html  # never used


def test_bad_input_is_shown_on_the_field(world: World, login: Any) -> None:
    response = login(world.analyst).post(URL, {"name": "", "days": "999"})
    html = response.content.decode()
    assert 'id="id_name_error"' in html
    assert 'id="id_days_error"' in html
    assert not APIToken.objects.exists()


def test_revoking_needs_a_post(world: World, login: Any) -> None:
    services.create_token(actor=None, user=world.analyst, name="x", days=5)
    token = APIToken.objects.get()
    client = login(world.analyst)
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response["Location"] == URL
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_someone_elses_token_looks_missing(world: World, login: Any) -> None:
    services.create_token(actor=None, user=world.coach, name="x", days=5)
    token = APIToken.objects.get()
    assert login(world.administrator).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
