"""The partner directory's seed: every partner the concept names, each with its source, idempotent."""

from __future__ import annotations

import pytest

from kommunalschutz.protection.measures.models import Partner
from tests.protection.measures.conftest import run_seed

pytestmark = pytest.mark.django_db


def test_seed_names_every_partner_of_the_concept_with_a_source() -> None:
    run_seed()
    partners = list(Partner.objects.all())
    names = " ".join(p.name for p in partners)
    for expected in ("Landespräventionsrat", "ZASTEX", "Landesdirektion", "starke Stelle", "Stark im Amt",
                     "HateAid", "WEISSER RING", "RAA Sachsen", "HessenGegenHetze", "REspect!"):
        assert expected in names, expected
    categories = {p.category for p in partners}
    assert set(Partner.Category.values) - {"other"} <= categories
    assert all(p.source_url.startswith("https://") for p in partners)
    assert all(p.is_active for p in partners)
    for partner in partners:  # the model's own checks hold (URLs, e-mail, lengths)
        partner.full_clean(exclude=["updated_at"])


def test_seed_records_only_published_contacts() -> None:
    run_seed()
    starke = Partner.objects.get(category="starke_stelle")
    assert (starke.phone, starke.email, starke.anonymous_possible) == ("0800 300 99 44", "info@starkestelle.de", True)
    assert Partner.objects.get(category="zastex").phone == "+49 351 855-2223"
    # No source we found publishes contact data of the expert network: left blank, not invented.
    network = Partner.objects.get(category="expert_network")
    assert (network.phone, network.email, network.website) == ("", "", "")


def test_seed_is_idempotent_and_keeps_the_offices_edits() -> None:
    run_seed()
    count = Partner.objects.count()
    hateaid = Partner.objects.get(category="hateaid")
    hateaid.description = "Von der Koordinierungsstelle geändert."
    hateaid.save()
    Partner.objects.filter(category="zastex").update(is_active=False)
    run_seed()
    run_seed()
    assert Partner.objects.count() == count
    assert Partner.objects.get(pk=hateaid.pk).description == "Von der Koordinierungsstelle geändert."
    assert not Partner.objects.get(category="zastex").is_active
