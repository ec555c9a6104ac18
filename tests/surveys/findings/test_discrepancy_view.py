"""The discrepancy view: perceived safety against recorded crime in the municipality's district."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.surveys.findings import crime, report, results
from kommunalschutz.surveys.findings.models import CrimeFigure
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.factories import DistrictFactory, MunicipalityFactory
from tests.surveys.findings.report_data import surveyed_project
from tests.surveys.findings.test_crime_import import SAXON_DISTRICTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world: World) -> SurveyProject:
    for ags, name in SAXON_DISTRICTS.items():
        DistrictFactory.create(ags=ags, name=name)
    crime.load_bundled()
    return surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=120)


def test_discrepancy_sets_survey_shares_against_the_districts_pks(project: SurveyProject) -> None:
    d = report.discrepancy(project)

    assert d.year == 2022 and d.source == "PKS Bundeskriminalamt, 2022"
    assert d.district_name == "Sächsische Schweiz-Osterzgebirge"
    total = next(r for r in d.crime if r.key == crime.TOTAL)
    assert (total.cases, total.rate) == (15048, 6167.0)
    assert [r.key for r in d.crime] == list(crime.DISCREPANCY_KEYS)
    # Saxony: all cases of the 13 districts per 100,000 inhabitants of the 13 districts.
    figures = CrimeFigure.objects.filter(year=2022, key=crime.TOTAL)
    people = sum(f.cases / f.rate * 100_000 for f in figures)
    assert total.state_rate == pytest.approx(sum(f.cases for f in figures) / people * 100_000)
    assert total.state_districts == 13
    # The overall share equals the headline indicator of findings.results (same design, same answers).
    _label, shares = d.safety[0]
    headline = results.key_indicators(project)["unsafe_after_dark"]
    assert headline is not None
    assert shares[0].estimate == pytest.approx(headline.estimate, rel=1e-12)
    assert shares[0].ci_lower == pytest.approx(headline.ci_lower, rel=1e-12)
    assert [s.domain for s in shares] == ["", "Altstadt", "Copitz", "Sonnenstein"]
    burglary = next(p for p in d.pairs if p.item_code == "fear_burglary")
    assert burglary.crime is not None and burglary.crime.key == "435*00"
    assert 0 < burglary.share.estimate < 1


def test_page_shows_both_sides_with_charts_and_tables(client: Client, login: Any, world: World,
                                                      project: SurveyProject) -> None:
    login(world.people["analyst"])
    response = client.get(reverse("findings:discrepancy", args=[project.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Hellfeld" in html and "Tatort" in html
    assert "PKS Bundeskriminalamt, 2022" in html
    assert 'id="discrepancy-safety-title"' in html and 'id="discrepancy-crime-title"' in html
    assert "15048" in html  # the district's recorded cases
    assert "Sorge vor Einbruch in die Wohnung" in html
    assert "style=" not in html.split("<main", 1)[-1]


def test_coordinator_of_the_municipality_and_coordination_office_see_it(client: Client, login: Any, world: World,
                                                                        project: SurveyProject) -> None:
    for persona in ("pirna_coordinator", "coordinator"):
        login(world.people[persona])
        assert client.get(reverse("findings:discrepancy", args=[project.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["plauen_coordinator", "dresden_police", "coach", "outsider"])
def test_outsiders_get_404(client: Client, login: Any, world: World, project: SurveyProject, persona: str) -> None:
    login(world.people[persona])
    assert client.get(reverse("findings:discrepancy", args=[project.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client: Client, login: Any, project: SurveyProject) -> None:
    response = client.get(reverse("findings:discrepancy", args=[project.pk]))
    assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]


def test_without_pks_figures_the_page_says_so(client: Client, login: Any, world: World) -> None:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=40)
    login(world.people["analyst"])
    html = client.get(reverse("findings:discrepancy", args=[project.pk])).content.decode()
    assert "import-pks" in html
    assert "Gemeinde insgesamt" in html  # the survey side is still shown


def test_a_thuringian_installation_compares_the_district_with_thuringia(
        client: Client, login: Any, world: World, settings: Any) -> None:
    """The reference is the installation's state (its package), in figures and in every word of the section."""
    settings.STATE_PACKAGE = "th"
    erfurt = DistrictFactory.create(ags="16051", name="Erfurt")
    gotha_district = DistrictFactory.create(ags="16067", name="Gotha")
    gotha = MunicipalityFactory.create(ags="16067029", name="Gotha", district=gotha_district)
    for district, people in ((erfurt, 214_000), (gotha_district, 134_000)):
        for number, key in enumerate(crime.DISCREPANCY_KEYS, start=1):
            cases = 1000 * number if district == erfurt else 500 * number
            CrimeFigure.objects.create(year=2022, district=district, key=key, offence=key, cases=cases,
                                       rate=round(cases / people * 100_000, 1), source="PKS Bundeskriminalamt, 2022")
    project = surveyed_project(municipality=gotha, contractor=world.analysis_contractor, respondents=60)

    d = report.discrepancy(project, charts=False)
    assert d.state_name == "Thüringen" and d.state_districts == 2
    total = next(r for r in d.crime if r.key == crime.TOTAL)
    assert total.state_rate == pytest.approx(1500 / (214_000 + 134_000) * 100_000, rel=1e-3)

    login(world.people["coordinator"])
    response = client.get(reverse("findings:discrepancy", args=[project.pk]))
    assert response.status_code == 200
    section = response.content.decode().split('id="discrepancy-crime-title"', 1)[1]
    assert "Durchschnitt der 2 Kreise in Thüringen" in section
    assert "Thüringen je 100.000" in section and "Verhältnis zu Thüringen" in section
    assert "Sachsen" not in section and "sächsisch" not in section.lower()
