"""The officials' survey in a real Chromium: the coordination office opens a wave, a respondent answers by
keyboard with the code from the letter, the analyst reads the results; axe finds nothing serious on any page,
no request leaves the server and no Content Security Policy is violated (the charts are inline SVG)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from kommunalschutz.surveys.officials import services, synthetic
from kommunalschutz.surveys.officials.models import FrameEntry, Response, Wave
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import foreign_requests, in_browser, log_in, tab_to, totp_source
from tests.conftest import PASSWORD
from tests.surveys.officials.conftest import People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wave_from_the_frame_to_the_results_in_the_browser(live_server: Any, people: People,
                                                             field_wave: Wave) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    base = str(live_server.url)
    entry = field_wave.frame.filter(source=FrameEntry.Source.REGISTRY).order_by("pk")[0]
    coordinator_code = totp_source(people.coordinator, create=True)
    analyst_code = totp_source(people.analyst, create=True)

    def respondent(page: Any, requests: list[str], console_errors: list[str]) -> None:
        page.goto(base + "/umfrage/amt/")
        assert_accessible(page, "officials' survey: code")
        tab_to(page, "#id_code")
        page.keyboard.type(entry.code)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Erfahrungen im Bezugszeitraum" in page.content()
        assert_accessible(page, "officials' survey: questionnaire")
        tab_to(page, "#id_exp_verbal_0", max_tabs=40)
        page.keyboard.press("Space")  # "ja" to the first question
        page.fill("#id_exp_count", "4")
        page.check("#id_reported_police_2")  # none reported
        tab_to(page, "form.survey-form button[type=submit]", max_tabs=200)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Vielen Dank" in page.content()
        assert_accessible(page, "officials' survey: thanks")
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(respondent)
    response = Response.objects.get(wave=field_wave)
    assert response.answers["exp_verbal"] == 1 and response.answers["exp_count"] == 4
    synthetic.answer_wave(field_wave, seed=21)
    services.close_wave(actor=people.coordinator, wave=field_wave)

    def coordination_office(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, people.coordinator.username, PASSWORD, coordinator_code)
        page.goto(base + "/amtstraeger-befragung/")
        assert_accessible(page, "waves")
        with page.expect_navigation():
            page.get_by_role("link", name=field_wave.title).click()
        assert "Rücklauf nach Rolle" in page.content()
        assert_accessible(page, "wave")
        page.goto(base + f"/amtstraeger-befragung/{field_wave.pk}/link/")
        assert_accessible(page, "open link form")
        page.goto(base + "/amtstraeger-befragung/neu/")
        assert_accessible(page, "new wave")
        assert foreign_requests(base, requests) == []

    in_browser(coordination_office)

    def analyst(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, people.analyst.username, PASSWORD, analyst_code)
        page.goto(base + f"/amtstraeger-befragung/{field_wave.pk}/ergebnisse/")
        assert page.locator("svg[role=img]").count() >= 3
        assert "Das Dunkelfeld" in page.content()
        assert_accessible(page, "results")
        page.goto(base + f"/amtstraeger-befragung/{field_wave.pk}/freitext/")
        assert_accessible(page, "free text")
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(analyst)
