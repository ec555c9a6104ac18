"""axe on the survey pages the walk-through tests do not open: project set-up and settings, the crest
upload, a letter's tracking detail, the letters' rendering page and the double-entry comparison."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.surveys.responses.models import PaperEntry
from kommunalschutz.surveys.sampling.draw import draw_sample
from kommunalschutz.surveys.sampling.letters import send_letters, start_rendering
from kommunalschutz.surveys.sampling.register import import_register
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import in_browser, log_in, totp_source
from tests.conftest import PASSWORD, World
from tests.survey_factories import SurveyProjectFactory
from tests.surveys.responses.conftest import build_survey
from tests.surveys.sampling.conftest import person_rows, register_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = {"number": "1", "i_life": "2", "i_safe_night": "9", "i_victim": "1", "i_reported": "2",
        "i_protect": "1, 3", "i_enforce_help": "", "i_persons": "3", "i_comment": "Mehr Licht am Bahnhof"}


def test_remaining_survey_pages_pass_axe(live_server: Any, world: World, settings: Any, tmp_path: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    # Letters: a project with an imported register, a drawn sample and letters rendered by the analyst.
    letters = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)
    import_register(actor=world.analyst, project=letters, data=register_file(person_rows(60)),
                    file_name="melderegister.csv")
    draw_sample(actor=world.analyst, project=letters, method="simple", size=4, seed=3)
    send_letters(actor=world.analyst, project=letters)
    rendering = start_rendering(actor=world.analyst, project=letters)
    # Double entry: the coordinator and the analyst keyed form 1 differently.
    survey = build_survey(world)
    entry = reverse("responses:entry", args=[survey.project.pk])
    for user, changes in ((world.pirna_coordinator, {}), (world.analyst, {"i_life": "3"})):
        client = Client()
        client.force_login(user)
        assert client.post(entry, {**FORM, **changes}).status_code in (200, 302)
    assert PaperEntry.objects.filter(member__sample__project=survey.project).count() == 2

    base = str(live_server.url)
    code = totp_source(world.analyst, create=True)
    # Setting a project up is for municipal coordinators (and the coordination office), the rest for both.
    coordinator_pages = [("project set-up", reverse("surveys:create"))]
    pages = [
        ("project settings", reverse("surveys:edit", args=[letters.pk])),
        ("crest upload", reverse("surveys:crest_upload", args=[letters.pk])),
        ("letter detail", reverse("sampling:member_detail", args=[letters.pk, 1])),
        ("letters rendering", reverse("sampling:rendering", args=[letters.pk, rendering.pk])),
        ("double-entry comparison", reverse("responses:compare", args=[survey.project.pk, 1])),
    ]

    def visit(page: Any, label: str, path: str) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, label
        assert page.url.endswith(path), label  # not redirected away (e.g. no comparison to show)
        assert_accessible(page, label)

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, "pirna_coordinator", PASSWORD)
        for label, path in coordinator_pages:
            visit(page, label, path)
        page.context.clear_cookies()
        log_in(page, base, "analyst", PASSWORD, code)
        for label, path in pages:
            visit(page, label, path)
        assert [e for e in console_errors if "Content Security Policy" in e] == []

    in_browser(steps)
