"""The survey pages in a real Chromium: an analyst builds a questionnaire from the item bank and adds a custom
question with a filter, by keyboard; list, project hub, builder and question form have no serious axe
findings, no CSP violation and no request to another server.

Chromium runs in a worker thread (tests/browser/worker.py); every database access stays in this thread.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.surveys.projects.models import Questionnaire
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import foreign_requests, in_browser, log_in, tab_to, totp_source
from tests.conftest import PASSWORD, World
from tests.survey_factories import SurveyProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 200


def test_analyst_builds_a_questionnaire_by_keyboard(live_server: Any, world: World) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    project = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor,
                                   title="Sicherheit in Pirna 2026")
    code = totp_source(world.analyst, create=True)
    base = str(live_server.url)

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, "analyst", PASSWORD, code)
        page.goto(base + reverse("surveys:list"))
        assert page.locator("a", has_text="Sicherheit in Pirna 2026").count() == 1
        assert_accessible(page, "survey list")
        page.goto(base + reverse("surveys:detail", args=[project.pk]))
        assert_accessible(page, "project hub")
        # Create the standard questionnaire, by keyboard.
        tab_to(page, f"a[href$='{reverse('surveys:questionnaire_new', args=[project.pk])}']", max_tabs=MAX_TABS)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert_accessible(page, "new questionnaire form")
        tab_to(page, "form.survey-form button[type=submit]", max_tabs=MAX_TABS)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator(".survey-item").count() == 59
        assert page.get_by_text("Falls Sie „nein“ angekreuzt haben, weiter mit Frage").count() >= 6
        assert_accessible(page, "questionnaire builder")
        # Add a custom question filtered on the burglary question.
        page.goto(base + reverse("surveys:item_add", args=[project.pk, 1]))
        assert_accessible(page, "question form")
        tab_to(page, "#id_block", max_tabs=MAX_TABS)
        page.select_option("#id_block", "victimisation")
        tab_to(page, "#id_code", max_tabs=MAX_TABS)
        page.keyboard.type("burglary_damage")
        page.select_option("#id_kind", "single")
        tab_to(page, "#id_text_de", max_tabs=MAX_TABS)
        page.keyboard.type("Wurde bei dem Einbruch etwas beschädigt?")
        page.fill("#id_option_0_code", "1")
        page.fill("#id_option_0_de", "ja")
        page.fill("#id_option_1_code", "2")
        page.fill("#id_option_1_de", "nein")
        page.select_option("#id_filter_item", "victim_burglary")
        tab_to(page, "#id_filter_values", max_tabs=MAX_TABS)
        page.keyboard.type("7")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        # Code 7 is no answer of the burglary question: refused, with the message on the page.
        assert page.get_by_text("hat keine Antwort mit dem Code 7").count() == 1
        assert_accessible(page, "question form with a refused filter")
        page.fill("#id_filter_values", "1")
        tab_to(page, "form.survey-form button[type=submit]", max_tabs=MAX_TABS)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_text("Wurde bei dem Einbruch etwas beschädigt?").count() == 1
        assert page.get_by_text("Nur beantworten, falls Sie bei Frage 23 „ja“ angekreuzt haben.").count() >= 1
        assert_accessible(page, "builder with the custom question")
        assert [error for error in console_errors if "Content Security Policy" in error] == []
        assert foreign_requests(base, requests) == []

    in_browser(steps)
    questionnaire = Questionnaire.objects.get(project=project)
    added = questionnaire.items.get(code="burglary_damage")
    assert added.show_if == {"item": "victim_burglary", "values": [1]}
    assert questionnaire.items.count() == 60
