"""The council pages in a real Chromium: no serious axe findings, no CSP errors, nothing foreign, and a
member added with the keyboard alone (inline, through HTMX).

Like tests/registry's map tests, Chromium runs in a worker thread of its own: the session-wide browser of
tests/browser may be running in the main thread. The worker touches no database; the records are made
through the services before it starts.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.alliance.councils import services
from kommunalschutz.alliance.councils.models import CouncilMember
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import in_browser
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def tab_to_submit(page: Any) -> None:
    """Press Tab until the form's submit button has focus (a date field has a stop per part)."""
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "submit":
            return
    pytest.fail("the submit button never received focus")


def test_council_pages_are_accessible_and_a_member_is_added_by_keyboard(world: World, live_server: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    coordinator = world.pirna_coordinator
    council = services.create_council(
        actor=world.coordinator, municipality=world.pirna, name="Kriminalpräventiver Rat Pirna",
        established_on=dt.date(2020, 10, 26), chair_name="Oberbürgermeister", contact_name="Anna Beispiel",
        contact_email="praevention@pirna.de", contact_is_public=True, is_synthetic=True,
    )
    member = services.add_member(actor=world.coordinator, council=council, organisation=world.dresden_pd_org,
                                 person_name="Polizeirat Müller", function="Revierleiter")
    meeting = services.schedule_meeting(actor=world.coordinator, council=council, title="2. Sitzung",
                                        held_on=dt.date(2021, 3, 10), agenda="Begrüßung\nLagebild")
    services.record_minutes(actor=world.coordinator, meeting=meeting, minutes="Lagebild vorgestellt.")
    services.record_attendance(actor=world.coordinator, meeting=meeting, attendance={member: True})
    services.add_decision(actor=world.coordinator, meeting=meeting, text="AG Schulweg gründen")
    base = str(live_server.url)
    urls = {
        "login": reverse("accounts:login"),
        "list": reverse("councils:council_list"),
        "detail": reverse("councils:council_detail", args=[council.pk]),
        "meeting": reverse("councils:meeting_detail", args=[meeting.pk]),
    }

    def steps(page: Any, requests: list[str], errors: list[str]) -> None:
        page.goto(base + urls["login"])
        page.fill("input[name=username]", coordinator.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").first.click()
        for name in ("list", "detail", "meeting"):
            page.goto(base + urls[name], wait_until="load")
            assert urlsplit(page.url).path == urls[name], page.url
            assert_accessible(page, name)
        assert page.locator("#decisions td", has_text="AG Schulweg gründen").count() == 1

        # The add-member form, by keyboard alone: focus its first field, then Tab, type and Enter.
        page.goto(base + urls["detail"], wait_until="load")
        page.locator("#members form #id_organisation").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.name") == "organisation_name"
        page.keyboard.type("Stadtjugendring Pirna")
        page.keyboard.press("Tab")
        page.keyboard.type("Eva Jung")
        page.keyboard.press("Tab")
        page.keyboard.type("Geschäftsführerin")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.type") == "date"
        page.keyboard.type("01022021")  # day, month and year; Chromium moves on by itself
        tab_to_submit(page)
        page.keyboard.press("Enter")
        page.locator("#members th", has_text="Stadtjugendring Pirna").wait_for()
        # Focus lands on the confirmation, so screen readers announce it and Tab continues from there.
        assert page.evaluate("() => document.activeElement.hasAttribute('data-focus-after-swap')")
        assert urlsplit(page.url).path == urls["detail"]  # swapped in place, no reload
        assert_accessible(page, "detail after adding a member")

        # An empty submission shows the error in place, next to the field.
        page.locator("#members form #id_organisation").focus()
        tab_to_submit(page)
        page.keyboard.press("Enter")
        page.locator("#members .errorlist").first.wait_for()
        assert page.evaluate("() => document.activeElement.getAttribute('aria-invalid')") == "true"

        assert [e for e in errors if "Content Security Policy" in e] == []
        own = urlsplit(base).netloc
        assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).netloc != own] == []

    in_browser(steps)
    added = CouncilMember.objects.get(organisation_name="Stadtjugendring Pirna")
    assert (added.person_name, added.function, added.council_id) == ("Eva Jung", "Geschäftsführerin", council.pk)
    # Headless Chromium orders the date's parts by its own UI language, not the page's: either reading is fine.
    assert added.joined_on in (dt.date(2021, 2, 1), dt.date(2021, 1, 2))
    assert CouncilMember.objects.filter(council=council).count() == 2
