"""The police directorate list: districts, totals, and the state authorities."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from kommunalschutz.foundation.registry.importer import ImportResult


def test_directorates_list_their_districts_and_totals(
    client: Any, saxony: ImportResult, django_assert_num_queries: Any
) -> None:
    # site state, directorates with totals, their districts, state authorities
    with django_assert_num_queries(4):
        response = client.get(reverse("registry:police_directorate_list"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    row = re.search(r'<tr id="pd-goerlitz">(.*?)</tr>', body, re.S)
    assert row is not None
    assert "Bautzen" in row.group(1) and "Görlitz" in row.group(1)
    assert ">110<" in row.group(1)  # 57 + 53 municipalities
    assert "536,566" in row.group(1)  # 292,608 + 243,958 inhabitants
    assert body.count("<tr id=\"pd-") == 5


def test_state_authorities_are_listed_with_their_role(client: Any, mini_registry: ImportResult) -> None:
    body = client.get(reverse("registry:police_directorate_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Landeskriminalamt Sachsen" in body and "State Criminal Police Office" in body
    assert "Landespräventionsrat Sachsen" in body and "coordination office" in body
