"""German alphabetical order (DIN 5007-1, decision 0023) in the database (SQLite and PostgreSQL alike) and
in Python: umlauts as base letters, ß as ss, case-insensitive, equal keys by exact spelling."""

from __future__ import annotations

import random
from typing import cast

import pytest
from django import forms
from django.db.models import Value

from kommunalschutz.foundation.core.collation import GermanSortKey, german, german_sort_key
from kommunalschutz.foundation.registry.models import District
from tests.factories import DistrictFactory

NAMES_IN_ORDER = [
    "Adorf/Vogtl.", "Annaberg-Buchholz", "Aue-Bad Schlema", "Bad Elster", "Badel", "Bärenstein", "Burkhardtsdorf",
    "Großenhain", "Grossolbersdorf", "Großpösna", "Muller", "Müller", "müller", "Oederan", "Olbernhau",
    "Ölsnitz/Erzgeb.", "Öpitz", "Straßberg", "Strasse", "Zwönitz",
]


def test_the_python_key_follows_din_5007_1() -> None:
    assert german_sort_key("Bärenstein") == "barenstein" and german_sort_key("Großpösna") == "grosspos" + "na"
    assert german_sort_key("ÖLSNITZ") == "olsnitz" and german_sort_key("Ćrostwitz") == "crostwitz"
    shuffled = NAMES_IN_ORDER[:]
    random.Random(5).shuffle(shuffled)
    assert sorted(shuffled, key=lambda name: (german_sort_key(name), name)) == NAMES_IN_ORDER


@pytest.mark.django_db
def test_the_database_orders_names_as_python_does() -> None:
    shuffled = NAMES_IN_ORDER[:]
    random.Random(7).shuffle(shuffled)
    for index, name in enumerate(shuffled):
        DistrictFactory.create(ags=f"99{index:03d}", name=name)
    names = list(District.objects.filter(ags__startswith="99").order_by(*german("name")).values_list("name", flat=True))
    assert names == NAMES_IN_ORDER
    # with DISTINCT (PostgreSQL wants the order expressions selected) and through a relation
    distinct = District.objects.filter(ags__startswith="99").distinct().order_by(*german("name"))
    assert [d.name for d in distinct] == NAMES_IN_ORDER
    assert names.index("Bärenstein") < names.index("Burkhardtsdorf")
    assert names.index("Oederan") < names.index("Olbernhau") < names.index("Ölsnitz/Erzgeb.") < names.index("Öpitz")


@pytest.mark.django_db
def test_the_database_key_equals_the_python_key_for_every_folded_letter() -> None:
    from kommunalschutz.foundation.core.collation import _EXPANSIONS, _SINGLE

    text = "".join(_SINGLE) + "".join(_EXPANSIONS) + " Zwönitz-ÄÖÜ 1a"
    key = District.objects.annotate(key=GermanSortKey(Value(text))).values_list("key", flat=True)[:1]
    DistrictFactory.create(ags="99999", name="x")
    assert list(key) == [german_sort_key(text)]


@pytest.mark.django_db
def test_name_lists_of_the_registry_and_the_filters_are_in_german_order() -> None:
    from kommunalschutz.foundation.registry import selectors
    from kommunalschutz.protection.casestats.forms import StatisticsFilterForm
    from tests.factories import MunicipalityFactory

    district = DistrictFactory.create(ags="14521", name="Erzgebirgskreis")
    DistrictFactory.create(ags="14522", name="Mittelsachsen")
    DistrictFactory.create(ags="14626", name="Überlandkreis")  # byte order would put it after "Vogtland"
    DistrictFactory.create(ags="14523", name="Vogtlandkreis")
    for index, name in enumerate(["Burkhardtsdorf", "Ölsnitz/Erzgeb.", "Bärenstein", "Oederan", "Zwönitz",
                                  "Olbernhau"]):
        MunicipalityFactory.create(ags=f"14521{index:03d}", name=name, district=district)
    names = [m.name for m in selectors.search_municipalities(district="14521")]
    assert names == ["Bärenstein", "Burkhardtsdorf", "Oederan", "Olbernhau", "Ölsnitz/Erzgeb.", "Zwönitz"]
    field = StatisticsFilterForm().fields["district"]
    assert isinstance(field, forms.ChoiceField)
    choices = [label for _value, label in cast(list[tuple[str, str]], field.choices)][1:]
    assert choices == ["Erzgebirgskreis", "Mittelsachsen", "Überlandkreis", "Vogtlandkreis"]
