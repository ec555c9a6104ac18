"""A second state by data alone (issue 15 item 8, decision 0039): a Thuringia instance is built from the national
municipality file and the Thuringian state package with the same code as the Saxon one, and no page of it names
Saxony, a Saxon city or a Saxon police directorate; the Saxon instance still shows its own names.

The walk follows every same-site link from the start page, as anonymous visitor and as each main role, and
reads every HTML page it reaches.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import re
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from kommunalschutz.alliance.programme.models import Programme
from kommunalschutz.foundation.accounts.models import Organisation, User
from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate, StateAuthority
from kommunalschutz.protection.measures.models import Partner
from kommunalschutz.surveys.findings.models import CrimeFigure
from tests.factories import (
    CaseFactory,
    CouncilFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Saxony, its adjective, its three cities, its police directorates and its state offices. "Sachsen-Anhalt" and
# "Niedersachsen" are other states: the pattern does not take them for Saxony.
SAXON = re.compile(
    r"(?<!Nieder)Sachsen(?!-Anhalt)|Sächs|Saxon|Dresden|Leipzig|Chemnitz|Polizeidirektion (Görlitz|Zwickau)"
    r"|Landesdirektion|ASSKomm|asskomm", re.IGNORECASE)
PAGES_PER_VISITOR = 90
SKIPPED_PATHS = ("/abmelden", "/logout", "/api/", "/static/", "/media/")
ERFURT = "16051000"
JENA = "16053000"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _person(name: str, organisation: Organisation, role: str) -> User:
    user = UserFactory.create(username=name)
    MembershipFactory.create(user=user, organisation=organisation, role=role)
    return user


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    if user.needs_second_factor:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _links(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*href="(/[^"#]*)', html)


def _key(link: str) -> str:
    """One visit per page and at most one variant of each query (paging, filters, dates)."""
    parts = urlsplit(link)
    return parts.path + ("?" if parts.query else "")


def walk(client: Client, start: str = "/", *, walked: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every HTML page reachable from ``start`` by same-site links (GET only), by path: its text. Pages in
    ``walked`` (the anonymous visitor's, the same for everyone but the navigation) are not walked again."""
    seen: set[str] = {start, *walked}
    queue = deque([start])
    pages: dict[str, str] = {}
    while queue and len(pages) < PAGES_PER_VISITOR:
        path = queue.popleft()
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[path] = html
        for link in _links(html):
            link = link.replace("&amp;", "&")
            parts = urlsplit(link)
            key = _key(link)
            if key in seen or any(parts.path.startswith(prefix) for prefix in SKIPPED_PATHS):
                continue
            seen.add(key)
            queue.append(link)
    return pages


def _saxon_names(pages: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, html in pages.items():
        hits = sorted({match.group(0) for match in SAXON.finditer(html)})
        if hits:
            found[path] = hits
    return found


@pytest.fixture
def thuringia(settings: Any) -> dict[str, User]:
    """A Thuringia instance: the state package's data through the operators' commands, and a few people."""
    settings.STATE_PACKAGE = "th"
    # The test database was migrated for Saxony; `migrate` with KOMMUNALSCHUTZ_STATE=th seeds the Thuringian
    # partners instead: the same seed, run here on an empty directory.
    Partner.objects.all().delete()
    importlib.import_module("kommunalschutz.protection.measures.migrations.0002_seed_partners").seed(apps, None)
    _run("import_registry")
    _run("load_programme")
    assert "0 angelegt, 0 aktualisiert, 8 unverändert, 0 entfernt" in _run("load_partners")
    _run("import_pks", "--bundled")
    office = OrganisationFactory.create(kind=Organisation.Kind.COORDINATION_OFFICE,
                                        name="Landespräventionsrat Thüringen",
                                        authority=StateAuthority.objects.get(code="koordinierungsstelle"))
    Programme.objects.update(coordination_office=office)
    erfurt = Municipality.objects.get(ags=ERFURT)
    erfurt_org = OrganisationFactory.create(kind=Organisation.Kind.MUNICIPALITY, name="Stadt Erfurt",
                                            municipality=erfurt)
    lpi = OrganisationFactory.create(kind=Organisation.Kind.POLICE_DIRECTORATE,
                                     name="Landespolizeiinspektion Erfurt",
                                     police_directorate=PoliceDirectorate.objects.get(code="lpi-erfurt"))
    lka = OrganisationFactory.create(kind=Organisation.Kind.LKA, name="Thüringer Landeskriminalamt",
                                     authority=StateAuthority.objects.get(code="lka"))
    analysts = OrganisationFactory.create(kind=Organisation.Kind.ANALYSIS_CONTRACTOR, name="Analyse-Institut")
    people = {
        "coordinator": _person("koordination", office, Role.COORDINATOR),
        "municipal_coordinator": _person("erfurt-koordination", erfurt_org, Role.MUNICIPAL_COORDINATOR),
        "official": _person("erfurt-oberbuergermeister", erfurt_org, Role.OFFICIAL),
        "police_contact": _person("lpi-erfurt", lpi, Role.POLICE_CONTACT),
        "protection_officer": _person("lka-schutz", lka, Role.PROTECTION_OFFICER),
        "analyst": _person("analyse", analysts, Role.ANALYST),
        "auditor": _person("pruefung", office, Role.AUDITOR),
        "administrator": _person("admin", office, Role.ADMINISTRATOR),
    }
    # A little of each wing: a council, an event, a reported case in Erfurt.
    CouncilFactory.create(municipality=Municipality.objects.get(ags=JENA), name="Kriminalpräventiver Rat Jena")
    EventFactory.create(slug="netzwerktreffen-erfurt", title="Netzwerktreffen Erfurt", venue="Erfurt",
                        public_token="t" * 43)
    CaseFactory.create(municipality=erfurt, reported_by=people["official"],
                       occurred_at=timezone.now() - dt.timedelta(days=2))
    return people


def test_the_thuringia_instance_holds_thuringian_data_only(thuringia: dict[str, User]) -> None:
    assert states.current().key == "16"
    municipalities = Municipality.objects.filter(valid_until__isnull=True)
    assert municipalities.count() > 600 and set(municipalities.values_list("land", flat=True)) == {"16"}
    assert District.objects.filter(land="16").count() == 22
    assert District.objects.filter(land="16", boundary__isnull=False).count() == 22
    wartburgkreis = District.objects.select_related("police_directorate").get(ags="16063")
    assert wartburgkreis.police_directorate is not None
    assert wartburgkreis.police_directorate.name == "Landespolizeiinspektion Gotha"
    assert sorted(PoliceDirectorate.objects.values_list("name", flat=True)) == [
        f"Landespolizeiinspektion {city}" for city in ("Erfurt", "Gera", "Gotha", "Jena", "Nordhausen",
                                                       "Saalfeld", "Suhl")]
    assert StateAuthority.objects.get(code="lka").name == "Thüringer Landeskriminalamt"
    assert Programme.objects.get().land == "16"
    names = list(Partner.objects.values_list("name", flat=True))
    assert any(name.startswith("ezra") for name in names) and not any(SAXON.search(name) for name in names)
    assert CrimeFigure.objects.filter(year=2022).exists()
    assert not CrimeFigure.objects.exclude(district__ags__startswith="16").exists()


def test_no_page_of_the_thuringia_instance_names_saxony(thuringia: dict[str, User]) -> None:
    walked: dict[str, int] = {}
    found: dict[str, dict[str, list[str]]] = {}
    public: frozenset[str] = frozenset()
    for visitor in ("anonymous", *thuringia):
        client = Client()
        if visitor != "anonymous":
            _login(client, thuringia[visitor])
        pages = walk(client, walked=public)
        if visitor == "anonymous":
            public = frozenset(_key(path) for path in pages if path != "/")
        walked[visitor] = len(pages)
        if hits := _saxon_names(pages):
            found[visitor] = hits
        # Pages the walk may not reach by a link from the start page, and the error pages.
        for path in ("/no-such-page/", _path("registry:municipality_detail", ERFURT)):
            response = client.get(path)
            if hits := _saxon_names({path: response.content.decode()}):
                found.setdefault(visitor, {}).update(hits)
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
    assert walked["anonymous"] >= 10 and all(count >= 3 for count in walked.values()), walked


def test_the_thuringia_pages_name_thuringia(thuringia: dict[str, User]) -> None:
    client = Client()
    home = client.get("/").content.decode()
    assert "Karte von Thüringen" in home
    overview = client.get(_overview_path()).content.decode()
    assert "Gemeinden in Thüringen" in overview
    assert "Landespolizeiinspektion Nordhausen" in overview
    assert "Für Thüringen liegen keine Gemeindegrenzen vor" in overview
    assert 'id="overview-districts"' in overview  # the district map
    assert "basemap-sachsen" not in overview
    assert "Sichere Kommunen in Thüringen (Beispiel)" in client.get(_path("insights:figures")).content.decode()
    partners = client.get(_path("measures:partner_list")).content.decode()
    assert "ezra" in partners and "MOBIT" in partners
    police = client.get(_path("registry:police_directorate_list")).content.decode()
    assert "Landespolizeiinspektion Suhl" in police and "Thüringer Landeskriminalamt" in police
    stats = _login(Client(), thuringia["coordinator"]).get(_path("casestats:dashboard")).content.decode()
    assert "Polizeizahl für Thüringen" in stats


def _path(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


def _overview_path() -> str:
    return _path("registry:overview_map")


def test_the_saxon_instance_still_shows_its_names(settings: Any) -> None:
    settings.STATE_PACKAGE = "sn"
    _run("import_registry", "--no-boundaries")
    _run("load_programme")
    assert "0 angelegt, 0 aktualisiert, 10 unverändert, 0 entfernt" in _run("load_partners")  # seeded already
    client = Client()
    assert "Karte von Sachsen" in client.get("/").content.decode()
    overview = client.get(_overview_path()).content.decode()
    assert "Gemeinden in Sachsen" in overview and "Polizeidirektion Dresden" in overview
    assert "Allianz Sichere Sächsische Kommunen" in client.get(_path("insights:figures")).content.decode()
    assert "Landesdirektion Sachsen" in client.get(_path("measures:partner_list")).content.decode()
    assert "maps/basemap-sachsen" in client.get(_path("insights:public_map")).content.decode()
    assert Municipality.objects.filter(land="14").count() == 418


def test_an_unknown_state_package_refuses_to_start(settings: Any, tmp_path: Path) -> None:
    settings.STATE_PACKAGE = "xx"
    with pytest.raises(ImproperlyConfigured, match="neither a shipped state package"):
        states.current()
    (tmp_path / "state.json").write_text(json.dumps({"key": "17", "code": "zz", "name": "Z", "name_genitive": "Zs",
                                                     "programme": "programme.json"}), encoding="utf-8")
    settings.STATE_PACKAGE = str(tmp_path)
    with pytest.raises(ImproperlyConfigured, match="not a state key"):
        states.current()
    (tmp_path / "state.json").write_text(json.dumps({"key": "16", "code": "zz", "name": "Z", "name_genitive": "Zs",
                                                     "programme": "missing.json"}), encoding="utf-8")
    settings.STATE_PACKAGE = str(tmp_path / ".")
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        states.current()


def test_a_partner_file_with_unknown_fields_changes_nothing(settings: Any, tmp_path: Path) -> None:
    settings.STATE_PACKAGE = "th"
    before = list(Partner.objects.order_by("pk").values_list("name", "is_active"))
    bad = tmp_path / "partners.json"
    bad.write_text(json.dumps({"partners": [{"name": "ezra", "category": "victim_counselling", "fax": "1"}]}),
                   encoding="utf-8")
    with pytest.raises(CommandError, match="hat unbekannte Felder: fax"):
        _run("load_partners", "--path", str(bad))
    assert list(Partner.objects.order_by("pk").values_list("name", "is_active")) == before


def test_a_partner_named_by_a_referral_is_deactivated_not_removed(thuringia: dict[str, User]) -> None:
    from tests.factories import MeasureFactory

    settings_partner = Partner.objects.create(name="Alte Beratungsstelle", category="other")
    MeasureFactory.create(partner=settings_partner, case=CaseFactory.create(municipality=Municipality.objects.get(
        ags=JENA)), kind="referral")
    assert "0 entfernt, 1 deaktiviert" in _run("load_partners")
    settings_partner.refresh_from_db()
    assert not settings_partner.is_active
    assert "0 angelegt, 0 aktualisiert, 8 unverändert, 0 entfernt, 0 deaktiviert" in _run("load_partners")
