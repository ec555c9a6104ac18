"""The public directory page, and the coordination office keeping it (everyone else: 404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.measures.models import Partner
from tests.conftest import World

LIST = reverse("measures:partner_list")


def test_directory_is_public_grouped_with_offers_and_the_emergency_number(
        client: Any, partners: dict[str, Partner]) -> None:
    Partner.objects.filter(category="hateaid").update(is_active=False)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "110" in html
    assert 'id="category-starke_stelle"' in html and 'id="category-zastex"' in html
    assert "0800 300 99 44" in html and "https://www.starkestelle.de/" in html
    assert partners["starke_stelle"].description[:40] in html
    assert "HateAid" not in html  # deactivated partners are not listed
    assert reverse("measures:partner_create") not in html


@pytest.mark.parametrize("persona", ["pirna_official", "dresden_police", "lka_officer", "pirna_coordinator",
                                     "administrator", "outsider"])
def test_only_coordinators_edit_others_get_404(
        login: Any, world: World, partners: dict[str, Partner], persona: str) -> None:
    client = login(getattr(world, persona))
    partner = partners["hateaid"]
    assert client.get(reverse("measures:partner_create")).status_code == 404
    assert client.post(reverse("measures:partner_create"), {"name": "X", "category": "other"}).status_code == 404
    assert client.get(reverse("measures:partner_edit", args=[partner.pk])).status_code == 404
    assert client.post(reverse("measures:partner_active", args=[partner.pk]), {"active": "0"}).status_code == 404
    partner.refresh_from_db()
    assert partner.is_active and not Partner.objects.filter(name="X").exists()


def test_coordinator_adds_edits_and_deactivates_audited(
        login: Any, world: World, partners: dict[str, Partner]) -> None:
    client = login(world.coordinator)
    assert reverse("measures:partner_create") in client.get(LIST).content.decode()
    response = client.post(reverse("measures:partner_create"), {
        "name": "Opferhilfe Sachsen e. V.", "category": "victim_counselling",
        "description": "Beratung nach Straftaten.",
        "scope": "Sachsen", "website": "https://www.opferhilfe-sachsen.de/", "anonymous_possible": "on",
        "source_url": "https://www.opferhilfe-sachsen.de/"})
    assert response.status_code == 302
    partner = Partner.objects.get(name="Opferhilfe Sachsen e. V.")
    assert partner.anonymous_possible and partner.is_active
    assert AuditEvent.objects.filter(object_type="measures.partner", object_id=str(partner.pk),
                                     action=AuditEvent.Action.CREATE, actor=world.coordinator).exists()

    data = {"name": partner.name, "category": "victim_counselling", "description": "Neu.", "scope": "Sachsen",
            "website": partner.website, "source_url": partner.source_url}
    assert client.post(reverse("measures:partner_edit", args=[partner.pk]), data).status_code == 302
    partner.refresh_from_db()
    assert partner.description == "Neu." and not partner.anonymous_possible

    assert client.post(reverse("measures:partner_active", args=[partner.pk]), {"active": "0"}).status_code == 302
    partner.refresh_from_db()
    assert not partner.is_active
    assert AuditEvent.objects.filter(object_type="measures.partner", object_id=str(partner.pk),
                                     action=AuditEvent.Action.UPDATE).count() == 2
    page = client.get(LIST).content.decode()
    assert "Deactivated partners" in page or "Deaktivierte" in page


def test_bad_partner_input_is_refused_and_nothing_saved(
        login: Any, world: World, partners: dict[str, Partner]) -> None:
    client = login(world.coordinator)
    count = Partner.objects.count()
    response = client.post(reverse("measures:partner_create"), {
        "name": partners["hateaid"].name.upper(), "category": "hateaid", "website": "javascript:alert(1)",
        "email": "kein-mail"})
    assert response.status_code == 400
    assert {"website", "email"} <= set(response.context["form"].errors)
    assert 'aria-describedby' in response.content.decode() or 'aria-invalid' in response.content.decode()
    assert Partner.objects.count() == count
    # A duplicate name (any case) is refused at the name field by the service.
    response = client.post(reverse("measures:partner_create"), {
        "name": partners["hateaid"].name.upper(), "category": "hateaid"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name"}
    assert Partner.objects.count() == count
