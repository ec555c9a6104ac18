"""The online questionnaire on a phone-sized screen, answered by keyboard alone, and the paper entry by
keyboard, in a real Chromium: axe on every page, no CSP errors, nothing requested from other servers.

Chromium runs in a worker thread (tests/browser/worker.py); the records are made before it starts and
checked after it ends, so the worker touches no database.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling.models import SampleMember
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, configure
from tests.browser.worker import foreign_requests, in_browser, in_chromium, log_in, tab_to, totp_source
from tests.conftest import PASSWORD, World
from tests.surveys.responses.conftest import build_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")


def _next(page: Any, selector: str = "button[value=next]") -> None:
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _fits(page: Any) -> None:
    """Nothing wider than the phone's screen (no sideways scrolling)."""
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def test_whole_questionnaire_on_a_phone_by_keyboard(world: World, live_server: Any) -> None:
    _require_chromium()
    survey = build_survey(world)
    member = survey.members[0]
    base = str(live_server.url)
    start = base + reverse("responses:start") + "?code=" + member.access_code

    def work(chromium: Any) -> list[str]:
        context = chromium.new_context(locale="de-DE", viewport={"width": 375, "height": 720},
                                       device_scale_factor=2, is_mobile=True, has_touch=True)
        configure(context)
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        visited: list[str] = []

        page.goto(start, wait_until="load")
        assert_accessible(page, "code page")
        _fits(page)
        tab_to(page, "input[name=code]")
        assert page.input_value("input[name=code]") == member.access_code
        with page.expect_navigation():
            page.keyboard.press("Enter")

        def check(name: str) -> None:
            visited.append(urlsplit(page.url).path)
            assert_accessible(page, name)
            _fits(page)

        # Page 1 (life): the first radio by Space, then one down -> 2.
        check("page 1")
        assert page.locator("progress").count() == 1
        tab_to(page, "input[name=life]")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        _next(page)
        # Page 2 (safety, required): "weiß nicht" is the last option -> ArrowUp from the first wraps to it.
        check("page 2")
        tab_to(page, "input[name=safe_night]")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowUp")
        assert page.locator("input[name=safe_night]:checked").get_attribute("value") == "9"
        _next(page)
        # Page 3 (victimisation): "yes" reveals the follow-up on the same page.
        check("page 3")
        assert page.locator("#q-reported").is_hidden()
        tab_to(page, "input[name=victim]")
        page.keyboard.press("Space")
        assert page.locator("#q-reported").is_visible()
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        check("page 3 with the follow-up")
        _next(page)
        # Page 4 (behaviour): two check boxes.
        check("page 4")
        tab_to(page, "input[name=protect]")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        _next(page)
        # Page 5 (enforcement), shown because of "yes" on page 3.
        check("page 5")
        tab_to(page, "input[name=enforce_help]")
        page.keyboard.press("Space")
        _next(page)
        # Page 6 (demographics): a number and a text.
        check("page 6")
        tab_to(page, "input[name=persons]")
        page.keyboard.type("3")
        page.keyboard.press("Tab")
        page.keyboard.type("Mehr Licht am Bahnhof")
        _next(page)
        check("submit page")
        assert "8 von 8" in page.inner_text("main")
        _next(page, "button[value=submit]")
        check("thank you page")
        assert "Vielen Dank" in page.inner_text("h1")
        assert [e for e in errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []
        context.close()
        return visited

    visited = in_chromium(work)
    assert visited[-1] == reverse("responses:done")
    response = Response.objects.get(member=member)
    assert response.status == Response.Status.SUBMITTED
    assert response.answers == {"life": 2, "safe_night": 9, "victim": 1, "reported": 1, "protect": [1, 3],
                                "enforce_help": 1, "persons": 3, "comment": "Mehr Licht am Bahnhof"}
    assert SampleMember.objects.get(pk=member.pk).status == SampleMember.Status.ONLINE


def test_paper_entry_by_keyboard(world: World, live_server: Any) -> None:
    _require_chromium()
    survey = build_survey(world, double_entry=False)
    user = world.pirna_coordinator
    code = totp_source(user, create=user.needs_second_factor)
    base = str(live_server.url)
    entry = reverse("responses:entry", args=[survey.project.pk])
    good = ["1", "2", "9", "1", "2", "1 3", "", "3", "Mehr Licht"]
    bad = ["2", "7", "9", "2", "1", "", "", "3", ""]

    def key(page: Any, values: list[str]) -> None:
        assert page.evaluate("() => document.activeElement.name") == "number"
        for index, value in enumerate(values):
            if value:
                page.keyboard.type(value)
            if index == len(values) - 1:
                with page.expect_navigation():
                    page.keyboard.press("Enter")  # Enter in the last field saves
            else:
                page.keyboard.press("Enter")  # Enter moves on like Tab

    def steps(page: Any, requests: list[str], errors: list[str]) -> None:
        log_in(page, base, user.username, PASSWORD, code)
        page.goto(base + entry, wait_until="load")
        assert_accessible(page, "paper entry")
        key(page, good)
        assert "Nr. 1 erfasst" in page.inner_text(".messages")
        assert_accessible(page, "paper entry after saving")
        # A wrong code and an answer to a skipped question: refused, focus on the first bad field.
        key(page, bad)
        body = page.inner_text("main")
        assert "Frage 1: Code 7 ist keine Antwortmöglichkeit" in body
        assert "Frage 3a muss leer bleiben" in body
        assert "Es wurde nichts gespeichert" in body
        assert page.evaluate("() => document.activeElement.name") == "i_life"
        assert_accessible(page, "paper entry with errors")
        assert [e for e in errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(steps)
    response = Response.objects.get()
    assert response.member_id == survey.members[0].pk
    assert response.answers == {"life": 2, "safe_night": 9, "victim": 1, "reported": 2, "protect": [1, 3],
                                "persons": 3, "comment": "Mehr Licht"}
    assert not Response.objects.filter(member=survey.members[1]).exists()
