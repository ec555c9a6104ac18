"""The pages of issue 13 served by the real gunicorn with production settings (DEBUG off), after a real login.

gunicorn with kommunalschutz/config/gunicorn.conf.py and generated secrets, as docs/deployment.md prescribes
(bench.deployment), on the database the suite runs on: the test database on PostgreSQL, on SQLite a file copy
of it (tests/concurrency/conftest.py), with the static files collected as in production (the pages name
their hashed files). The small world of the suite is in it, with the production password hasher and a second
factor for the roles that need one. Each person logs in through the login form (and the second-factor form)
and requests the home page, the reporting step pages, the survey results page and error pages: each answer
has the expected status and German text, and no request gives a 500 (nor logs a traceback).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.urls import reverse

from bench import deployment
from bench.deployment import Server
from kommunalschutz.surveys.findings import precompute
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.browser.worker import totp_source
from tests.concurrency.conftest import concurrent_database
from tests.conftest import PASSWORD, World
from tests.surveys.findings.builders import surveyed_project
from tests.visitor import Visitor

__all__ = ["concurrent_database"]  # the fixture that makes the test database a file on SQLite (autouse)

pytestmark = pytest.mark.django_db(transaction=True)

# Words that only a German page has; every page below must show some of them.
GERMAN = ("Anmelden", "Abmelden", "Startseite", "Sie ", "und", "der", "die")


@pytest.fixture
def server(tmp_path: Path, world: World) -> Iterator[Server]:
    env = deployment.create("sqlite", tmp_path / "deployment").env
    env["WEB_CONCURRENCY"] = "2"
    var_dir = tmp_path / "var"
    if connection.vendor == "postgresql":
        import os

        env["DATABASE_URL"] = deployment.with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
        env.update(deployment.suite_pooling())
    else:
        var_dir = Path(connection.settings_dict["NAME"]).parent  # where the copy of the test database lies
    env["KOMMUNALSCHUTZ_VAR_DIR"] = str(var_dir)
    dep = deployment.Deployment(kind="sqlite", var_dir=tmp_path / "deployment" / "sqlite", env=env)
    deployment.manage(dep, "collectstatic", "collectstatic", "--noinput")
    running = deployment.start_gunicorn(dep)
    try:
        deployment.wait_until_ready(running, "/konto/anmelden/", timeout=90)
        yield running
    finally:
        deployment.stop(running)


@pytest.fixture
def people(world: World) -> dict[str, Any]:
    """The personas with a production password hash and, where the role needs one, an authenticator."""
    codes = {}
    for name in ("pirna_official", "coordinator", "analyst", "dresden_police", "outsider"):
        user = getattr(world, name)
        user.password = make_password(PASSWORD, hasher="argon2")
        user.save(update_fields=["password"])
        codes[name] = totp_source(user, create=True) if user.needs_second_factor else None
    return codes


@pytest.fixture
def project(world: World) -> SurveyProject:
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)
    precompute.compute(project)  # what the weighting's background task does
    return project


def german(text: str) -> bool:
    return 'lang="de"' in text and sum(word in text for word in GERMAN) >= 3


def test_issue_13_pages_with_debug_off_after_a_real_login(server: Server, people: dict[str, Any],
                                                          project: SurveyProject, world: World) -> None:
    visitors: dict[str, Visitor] = {}

    def visitor(name: str) -> Visitor:
        if name not in visitors:
            visitors[name] = Visitor(server.port)
            visitors[name].log_in(name, people[name])
        return visitors[name]

    # The official reports through the form and completes the later steps, each page German.
    official = visitor("pirna_official")
    status, home = official.get("/")
    assert status == 200 and german(home)
    hidden = official.form("/melden/")
    status, _text, location = official.request("POST", "/melden/", {
        **hidden, "description": "Ein Drohbrief lag im Briefkasten des Rathauses.", "incident_types": "threat",
        "channel": "letter", "occurred_at": "2026-12-01T10:00", "municipality": str(world.pirna.pk),
        "place": "office", "affected_role": "mayor"})
    assert status == 302, status
    case_id = int(re.search(r"/(\d+)/", location).group(1))  # type: ignore[union-attr]
    for slug, title in (("beweismittel", "Beweismittel"), ("vorfall", "Vorfall"), ("taeter", "Täter"),
                        ("anzeige", "Anzeige")):
        status, page = official.get(f"/melden/{case_id}/ergaenzen/{slug}/")
        assert status == 200 and german(page) and title in page, slug
    hidden = official.form(f"/melden/{case_id}/ergaenzen/taeter/")
    status, _text, _location = official.request("POST", f"/melden/{case_id}/ergaenzen/taeter/", {
        **hidden, "perpetrator_kind": "individual", "perpetrator_known_to_victim": "yes",
        "perpetrator_details": "Ein Nachbar"})
    assert status == 302
    status, page = official.get(f"/melden/{case_id}/ergaenzen/gibt-es-nicht/")
    assert status == 404 and "Seite nicht gefunden" in page

    # The case team and others: their home pages; the reporter's step pages are not theirs (404).
    for name in ("coordinator", "dresden_police", "outsider"):
        person = visitor(name)
        status, home = person.get("/")
        assert status == 200 and german(home), name
        status, page = person.get(f"/melden/{case_id}/ergaenzen/taeter/")
        assert status == 404 and "Seite nicht gefunden" in page, name

    # The survey results page, read from the stored results; outsiders get 404.
    results_url = reverse("findings:overview", args=[project.pk])
    for name in ("analyst", "coordinator"):
        person = visitor(name)
        status, page = person.get(results_url)
        assert status == 200 and german(page) and "Ergebnisse" in page, name
        status, home = person.get("/")
        assert status == 200 and german(home), name
    status, page = official.get(results_url)
    assert status == 404 and "Seite nicht gefunden" in page

    # Error pages in German: 404 for anyone, 405 for a GET on an address that only takes a form.
    status, page = official.get("/gibt-es-nicht/")
    assert status == 404 and german(page) and "Seite nicht gefunden" in page
    status, page = Visitor(server.port).get("/gibt-es-nicht/")
    assert status == 404 and "Seite nicht gefunden" in page
    status, page = official.get(reverse("findings:compute_results", args=[project.pk]))
    assert status == 405 and "Diese Adresse kann nicht direkt aufgerufen werden" in page

    answers = [answer for person in visitors.values() for answer in person.answers]
    assert not [answer for answer in answers if answer[2] >= 500], answers
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "Internal Server Error" not in log, log[-3000:]
