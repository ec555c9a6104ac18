"""German is the default language of the registry pages (formal "Sie")."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kommunalschutz.foundation.registry.importer import ImportResult
from tests.foundation.registry.conftest import PIRNA


def test_municipality_list_is_german_by_default(client: Any, mini_registry: ImportResult) -> None:
    body = client.get(reverse("registry:municipality_list")).content.decode()
    assert "<h1>Gemeinden</h1>" in body
    assert "Name oder AGS" in body and "74 Gemeinden gefunden" in body


def test_municipality_page_is_german(client: Any, mini_registry: ImportResult) -> None:
    body = client.get(reverse("registry:municipality_detail", args=[PIRNA])).content.decode()
    assert "Rathaus" in body and "Polizeidirektion" in body and "Karte überspringen" in body
    assert "40.128" in body


def test_empty_search_message_uses_sie(client: Any, mini_registry: ImportResult) -> None:
    body = client.get(reverse("registry:municipality_list"), {"q": "Atlantis"}).content.decode()
    assert "Keine Gemeinde entspricht Ihrer Suche." in body
