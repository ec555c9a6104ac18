"""The case pages in a real Chromium: no serious axe findings for the case team (caseload, intake
dashboard, case page with a refused form, incident form, notifications) and the reporter (my reports,
their case page), the forms usable by keyboard, no request to another server.

Chromium runs in a worker thread (as in tests/alliance): the worker only drives the browser; every
database access stays in the test's own thread.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.protection.cases import case_tasks, messaging
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import in_browser, log_in, tab_to, totp_source
from tests.conftest import PASSWORD, World
from tests.protection.cases.conftest import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120


def _tab(page: Any, selector: str) -> None:
    tab_to(page, selector, max_tabs=MAX_TABS)






def test_case_pages_are_accessible_and_keyboard_usable(live_server: Any, world: World) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    case = make_case(municipality=world.pirna, reported_by=world.pirna_official, affected_user=world.pirna_official,
                     owner=world.coordinator, status="acknowledged", acknowledged_at=timezone.now(),
                     description='<script>alert("x")</script> Drohbrief am Rathaus', is_synthetic=True)
    make_case(municipality=world.pirna, is_acute=True, acknowledgement_due_at=timezone.now() - dt.timedelta(hours=1))
    messaging.post_message(actor=world.coordinator, case=case, body="Können Sie uns den Brief zeigen?",
                           is_question=True)
    messaging.post_message(actor=world.coordinator, case=case, body="Interne Notiz", internal=True)
    case_tasks.add_task(actor=world.coordinator, case=case, title="Rückruf", due_on=timezone.localdate())
    code = totp_source(world.coordinator, create=True)
    base = str(live_server.url)
    rounds = iter(["team", "reporter"])

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        if next(rounds) == "team":
            log_in(page, base, "coordinator", PASSWORD, code)
            page.goto(base + reverse("cases:case_list"))
            assert_accessible(page, "caseload")
            _tab(page, "#id_status")
            _tab(page, "#id_overdue")
            page.goto(base + reverse("cases:dashboard"))
            assert page.locator(".badge-overdue").count() >= 1
            assert_accessible(page, "intake dashboard")
            page.goto(base + reverse("cases:case_detail", args=[case.pk]))
            assert page.locator(".badge-synthetic").count() == 1
            assert_accessible(page, "case page (team)")
            # Close without a reason, by keyboard: refused at the field.
            _tab(page, "#id_close-note")
            page.keyboard.type("fertig")
            _tab(page, "form[action$='/abschliessen/'] button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert page.locator("#id_close-reason_error").count() == 1
            assert_accessible(page, "case page with a refused form")
            page.goto(base + reverse("cases:incident_edit", args=[case.pk]))
            assert_accessible(page, "incident form")
            page.goto(base + reverse("cases:notifications"))
            assert_accessible(page, "notifications")
        else:
            log_in(page, base, "pirna_official", PASSWORD)
            page.goto(base + reverse("cases:my_reports"))
            assert_accessible(page, "my reports")
            page.goto(base + reverse("cases:case_detail", args=[case.pk]))
            assert "Interne Notiz" not in page.content()
            assert_accessible(page, "case page (reporter)")
            _tab(page, "#id_reply-body")
            page.keyboard.type("Ja, ich bringe ihn morgen vorbei.")
            _tab(page, "form[action$='/antwort/'] button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "Ja, ich bringe ihn morgen vorbei." in page.content()
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        own = urlsplit(base).netloc
        assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).netloc != own] == []

    in_browser(steps, rounds=2)  # the case team, then the reporter: separate contexts
    assert case.messages.filter(from_reporter=True).count() == 1
