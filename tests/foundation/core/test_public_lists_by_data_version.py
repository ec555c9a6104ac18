"""The small public lists cached by data version like the registry (decision 0027, addendum): the counselling
partners, the offers, the police figures and the councils' public contacts. Each answers with the bytes of the
validated schema, an ETag and 304; every write (service, bulk update, raw SQL) is visible at once; the councils'
contacts also follow the registry's names and the day. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from kommunalschutz.alliance.councils import services as councils
from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.alliance.engagements import offers
from kommunalschutz.alliance.engagements.models import OfferType
from kommunalschutz.alliance.engagements.schemas import OfferTypeOut
from kommunalschutz.foundation.core import dataversion
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.casestats.models import PoliceFigure
from kommunalschutz.protection.casestats.schemas import PoliceFigureOut
from kommunalschutz.protection.measures import partners
from kommunalschutz.protection.measures.models import Partner
from kommunalschutz.protection.measures.schemas import PartnerOut
from tests.conftest import World


@pytest.fixture(autouse=True)
def _fresh_answer_cache() -> Iterator[None]:
    dataversion.local_cache.clear()
    dataversion.answers.clear()
    yield
    dataversion.local_cache.clear()
    dataversion.answers.clear()


def _rendered(items: list[BaseModel]) -> bytes:
    """What django-ninja itself sends for a ``list[...]`` answer of these validated items."""
    return json.dumps([item.model_dump() for item in items], cls=NinjaJSONEncoder).encode()


def _expected_partners() -> bytes:
    rows = Partner.objects.filter(is_active=True)
    ordered = sorted(rows, key=lambda p: (p.category, p.name.casefold()))
    return _rendered([PartnerOut.model_validate({
        "id": p.pk, "name": p.name, "category": p.category, "description": p.description, "scope": p.scope,
        "phone": p.phone, "email": p.email, "website": p.website, "anonymous_possible": p.anonymous_possible,
        "source_url": p.source_url, "is_active": p.is_active}) for p in ordered])


def _expected_offers() -> bytes:
    ordered = sorted(OfferType.objects.filter(active=True), key=lambda o: (o.position, o.name.casefold()))
    return _rendered([OfferTypeOut.model_validate({
        "code": o.code, "name": o.name, "kind": o.kind, "description": o.description, "active": o.active,
        "position": o.position}) for o in ordered])


def _expected_figures(region: str = "") -> bytes:
    figures = PoliceFigure.objects.all()
    if region:
        figures = figures.filter(region=region)
    return _rendered([PoliceFigureOut.model_validate(f, from_attributes=True) for f in figures])


def _conditional(client: Any, path: str) -> Any:
    first = client.get(path)
    assert first.status_code == 200 and first.has_header("ETag"), path
    assert first["Cache-Control"] == dataversion.CACHE_CONTROL
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and again.content == b""
    return first


@pytest.mark.parametrize(("path", "expected"), [
    ("/api/v1/partners", _expected_partners),
    ("/api/v1/engagements/offers", _expected_offers),
    ("/api/v1/police-figures", _expected_figures),
    ("/api/v1/police-figures?region=sn", lambda: _expected_figures("SN")),
])
def test_each_list_is_the_validated_answer_with_an_etag(client: Any, db: None, path: str,
                                                        expected: Callable[[], bytes]) -> None:
    """The seed migrations fill the three catalogues, so the lists are not empty."""
    first = _conditional(client, path)
    assert first.content == expected() and first.content != b"[]"
    assert client.get(path).content == first.content  # the second answer comes from the cache
    assert len(dataversion.local_cache) == 1


def test_partners_follow_every_kind_of_write(client: Any, world: World) -> None:
    path = "/api/v1/partners"
    before = _conditional(client, path)
    partner = partners.create_partner(actor=world.coordinator, name="Aaa Opferhilfe Test",
                                      category="victim_counselling", scope="Sachsen")
    after = client.get(path, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert "Aaa Opferhilfe Test" in after.content.decode() and after.content == _expected_partners()
    Partner.objects.filter(pk=partner.pk).update(is_active=False)  # a bulk update, no signal, no save()
    assert "Aaa Opferhilfe Test" not in client.get(path).content.decode()
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE measures_partner SET name = %s WHERE id = %s", ["Zzz Umbenannt", partner.pk])
        cursor.execute("UPDATE measures_partner SET is_active = %s WHERE id = %s", [True, partner.pk])
    assert "Zzz Umbenannt" in client.get(path).content.decode()
    assert client.get(path).content == _expected_partners()


def test_offers_follow_the_catalogue(client: Any, world: World) -> None:
    path = "/api/v1/engagements/offers"
    before = _conditional(client, path)
    offer = offers.create_offer_type(actor=world.coordinator, code="testangebot", name="Ein neues Angebot",
                                     position=1)
    body = client.get(path).json()
    assert body[0]["code"] == "testangebot" and client.get(path)["ETag"] != before["ETag"]
    offers.update_offer_type(actor=world.coordinator, offer_type=offer, active=False)
    assert "testangebot" not in client.get(path).content.decode()
    assert client.get(path).content == _expected_offers()


def test_police_figures_follow_a_new_publication_and_unknown_regions_stay_uncached(client: Any, db: None) -> None:
    path = "/api/v1/police-figures"
    before = _conditional(client, path)
    PoliceFigure.objects.create(region="SN", year=2031, count=7, status="preliminary", as_of=dt.date(2032, 2, 1),
                                source="Test")
    after = client.get(path)
    assert after["ETag"] != before["ETag"] and after.content == _expected_figures()
    assert any(row["year"] == 2031 for row in after.json())
    cached = len(dataversion.local_cache)
    for region in ("xx", "yy", "zz"):
        response = client.get(path, {"region": region})
        assert response.status_code == 200 and response.json() == [] and not response.has_header("ETag")
    assert len(dataversion.local_cache) == cached


@pytest.fixture
def pirna_council(world: World) -> PreventionCouncil:
    return councils.create_council(
        actor=world.coordinator, municipality=world.pirna, name="Kriminalpräventiver Rat Pirna",
        established_on=dt.date(2020, 10, 26), contact_name="Anna Beispiel", contact_function="Präventionsbeauftragte",
        contact_email="praevention@pirna.de", contact_phone="03501 556-0", contact_address="Am Markt 1, 01796 Pirna",
        contact_is_public=True,
    )


def test_council_contacts_follow_the_councils_the_registry_and_the_day(client: Any, world: World,
                                                                      pirna_council: PreventionCouncil) -> None:
    path = "/api/v1/councils/public"
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        before = _conditional(client, path)
        assert before.json()[0]["target"]["name"] == "Pirna, Stadt"
        # A write to the registry alone (the municipality's name) changes the answer: it names the target.
        Municipality.objects.filter(pk=world.pirna.pk).update(name="Pirna, Große Kreisstadt")
        renamed = client.get(path, HTTP_IF_NONE_MATCH=before["ETag"])
        assert renamed.status_code == 200 and renamed.json()[0]["target"]["name"] == "Pirna, Große Kreisstadt"
        councils.dissolve_council(actor=world.coordinator, council=pirna_council, dissolved_on=dt.date(2026, 6, 1))
        assert client.get(path).json() == []  # dissolved today: no longer running
        token = dataversion.token(dataversion.joined("councils", "registry"))
    # The day is part of the key: with no write in between, the day before gives another answer.
    with time_machine.travel(dt.datetime(2026, 5, 31, 10, tzinfo=dt.UTC), tick=False):
        assert dataversion.token(dataversion.joined("councils", "registry")) == token
        assert [row["council_name"] for row in client.get(path).json()] == ["Kriminalpräventiver Rat Pirna"]


def test_joined_scopes_need_every_token(db: None) -> None:
    scope = dataversion.joined("councils", "registry")
    both = dataversion.token(scope)
    assert both is not None and both == f"{dataversion.token('councils')}:{dataversion.token('registry')}"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_dataversion WHERE scope = 'councils'")
    assert dataversion.token(scope) is None  # nothing is cached without every token
    with pytest.raises(ValueError, match="plain SQL name"):
        dataversion.joined("councils", "registry; DROP TABLE x")


class _Editor:
    """What install_triggers uses of a schema editor, on the test's own connection and transaction."""

    connection = connection

    def execute(self, sql: str, params: Any = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_a_table_may_belong_to_two_scopes(db: None) -> None:
    """Each scope has its own trigger on the table (named per table and scope), and a write renews both."""
    dataversion.install_triggers(_Editor(), "second_scope", ["measures_partner"])
    before = (dataversion.token("partners"), dataversion.token("second_scope"))
    assert None not in before
    Partner.objects.update(description="geändert")
    after = (dataversion.token("partners"), dataversion.token("second_scope"))
    assert after[0] != before[0] and after[1] != before[1]
    dataversion.remove_triggers(_Editor(), "second_scope", ["measures_partner"])
    assert dataversion.token("second_scope") is None
    Partner.objects.update(description="wieder")
    assert dataversion.token("second_scope") is None and dataversion.token("partners") != after[0]
