"""The engagements pages in a real Chromium: no serious axe findings, no CSP errors, nothing foreign.

The coordinator opens the offer catalogue, the engagement list, one engagement of each kind, the coaching
form with its ranked suggestions and the coach pool; the coach opens their own list and process and
records a session. Chromium runs in a worker thread of its own (see tests/councils' browser test); the
records are made through the services before it starts, and the worker touches no database.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.alliance.engagements.models import CoachingSession
from tests.alliance.engagements.conftest import Kinds
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import in_browser
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_engagement_pages_are_accessible_for_the_coordinator_and_the_coach(
    pirna_engagements: Kinds, world: World, live_server: Any,
) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    device = TOTPDevice.objects.create(user=world.coordinator, name="test", confirmed=True)
    secret = (device.bin_key, device.step, device.t0, device.digits)
    base = str(live_server.url)
    detail = {kind: reverse("engagements:engagement_detail", args=[getattr(pirna_engagements, kind).pk])
              for kind in ("consultation", "coaching", "analysis", "funding", "general")}
    coordinator_pages = {
        "offer list": reverse("engagements:offer_list"),
        "engagement list": reverse("engagements:engagement_list"),
        **{f"{kind} detail": url for kind, url in detail.items()},
        "coaching form": reverse("engagements:engagement_create", args=["coaching"]),
        "funding form": reverse("engagements:engagement_create", args=["foerderung"]),
        "coach pool": reverse("engagements:coach_list"),
        "closing evaluation": reverse("engagements:coaching_close", args=[pirna_engagements.coaching.pk]),
    }
    users = iter([world.coordinator.username, world.coach.username])

    def log_in(page: Any, username: str) -> None:
        page.goto(base + reverse("accounts:login"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").first.click()
        if urlsplit(page.url).path == reverse("accounts:otp_verify"):
            key, step, t0, digits = secret
            page.fill("input[name=otp_token]", f"{totp(key, step=step, t0=t0, digits=digits):0{digits}d}")
            with page.expect_navigation():
                page.locator("form:has(input[name=otp_token]) [type=submit]").first.click()

    def steps(page: Any, requests: list[str], errors: list[str]) -> None:
        username = next(users)
        log_in(page, username)
        if username == world.coordinator.username:
            for name, url in coordinator_pages.items():
                page.goto(base + url, wait_until="load")
                assert urlsplit(page.url).path == url, (name, page.url)
                assert_accessible(page, name)
            # The ranking updates without saving anything.
            page.goto(base + coordinator_pages["coaching form"], wait_until="load")
            page.locator("input[name=needs]").first.check()
            with page.expect_navigation():
                page.locator("button[name=suggest]").click()
            assert page.locator("table.ranking tbody tr").count() == 1
            assert_accessible(page, "coaching form with suggestions")
            assert "Angebote" in (page.locator("nav.main-nav").text_content() or "")  # also in a closed menu
        else:
            page.goto(base + reverse("engagements:coaching_list"), wait_until="load")
            assert_accessible(page, "the coach's list")
            assert page.locator("table tbody tr").count() == 1
            assert "Coachingprozesse" in (page.locator("nav.main-nav").text_content() or "")
            with page.expect_navigation():
                page.locator("table tbody a").first.click()
            assert_accessible(page, "the coach's process")
            page.goto(base + reverse("engagements:session_add", args=[pirna_engagements.coaching.pk]))
            page.fill("input[name=held_on]", "2021-07-01")
            page.fill("textarea[name=topics]", "Bestandsaufnahme")
            with page.expect_navigation():
                page.locator("form.engagement-form button[type=submit]").click()
            assert page.locator("#sessions ~ table td", has_text="Bestandsaufnahme").count() == 1
        assert [e for e in errors if "Content Security Policy" in e] == []
        own = urlsplit(base).netloc
        assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).netloc != own] == []

    in_browser(steps, rounds=2)  # the coordinator, then the coach, each in a fresh context
    assert CoachingSession.objects.filter(process=pirna_engagements.coaching, topics="Bestandsaufnahme").exists()
