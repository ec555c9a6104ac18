"""Every error page in German, with DEBUG off (production) and on (`make run`): issue 13, decision 0025.

Django's technical pages (the English 404 with the URL list, the traceback page of a bad request) and the
blank 405 of a POST-only address must never reach a person; a 500 keeps the traceback in DEBUG only.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import World

pytestmark = pytest.mark.django_db

MODES = [pytest.param(False, id="production"), pytest.param(True, id="debug")]
TEST_URLS = "tests.foundation.web.error_urls"


def _page(response: Any) -> str:
    text: str = response.content.decode()
    assert "DEBUG = True" not in text and "Using the URLconf" not in text, text[:500]
    assert '<html lang="de">' in text
    assert response["Content-Language"] == "de"
    return text


@pytest.mark.parametrize("debug", MODES)
def test_an_unknown_address_answers_the_german_404(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in _page(response)


@pytest.mark.parametrize("debug", MODES)
def test_an_address_without_its_slash_is_still_redirected(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get("/register/gemeinden")
    assert response.status_code == 301 and response["Location"] == "/register/gemeinden/"


@pytest.mark.parametrize("debug", MODES)
def test_an_object_the_visitor_may_not_see_answers_the_german_404(client: Client, world: World,
                                                                  debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get(reverse("registry:municipality_detail", args=["99999999"]))
    assert response.status_code == 404
    assert "Seite nicht gefunden" in _page(response)


@pytest.mark.parametrize("debug", MODES)
def test_a_post_only_address_opened_directly_answers_a_german_405(client: Client, world: World, login: Any,
                                                                  debug: bool) -> None:
    login(world.coordinator)
    with override_settings(DEBUG=debug):
        response = client.get(reverse("accounts:token_revoke", args=[1]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Diese Adresse kann nicht direkt aufgerufen werden" in _page(response)


@pytest.mark.parametrize("debug", MODES)
def test_a_failed_csrf_check_answers_the_german_page(world: World, debug: bool) -> None:
    client = Client(enforce_csrf_checks=True)
    with override_settings(DEBUG=debug):
        response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Das Formular konnte nicht geprüft werden" in _page(response)


@pytest.mark.parametrize("debug", MODES)
@pytest.mark.parametrize(("path", "status", "words"), [
    ("/nicht-da/", 404, "Seite nicht gefunden"),
    ("/verboten/", 403, "Zugriff verweigert"),
    ("/kaputt/", 400, "Ungültige Anfrage"),
    ("/verdaechtig/", 400, "Ungültige Anfrage"),
    ("/nur-post/", 405, "Diese Adresse kann nicht direkt aufgerufen werden"),
])
def test_every_refusal_of_a_view_answers_a_german_page(client: Client, debug: bool, path: str, status: int,
                                                       words: str) -> None:
    with override_settings(DEBUG=debug, ROOT_URLCONF=TEST_URLS):
        response = client.get(path)
    assert response.status_code == status
    assert words in _page(response)


@pytest.mark.parametrize("debug", MODES)
def test_a_view_that_writes_its_own_404_keeps_it(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug, ROOT_URLCONF=TEST_URLS):
        response = client.get("/eigene-404/")
    assert response.status_code == 404 and response.content == b"<p>eigene Antwort</p>"


def test_a_server_error_answers_the_german_500_in_production() -> None:
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=False, ROOT_URLCONF=TEST_URLS):
        response = client.get("/fehler/")
    assert response.status_code == 500
    assert "Serverfehler" in _page(response)


def test_a_server_error_keeps_the_traceback_for_the_developer_in_debug() -> None:
    """Decision 0025: the developer needs the trace; production never shows it."""
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=True, ROOT_URLCONF=TEST_URLS):
        response = client.get("/fehler/")
    assert response.status_code == 500
    assert "RuntimeError" in response.content.decode()


@pytest.mark.parametrize("debug", MODES)
def test_the_api_keeps_its_json_answers(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get("/api/v1/gibt-es-nicht")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
