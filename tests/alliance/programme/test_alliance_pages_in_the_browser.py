"""The alliance pages in a real Chromium, as the demo coordinator: no serious axe findings, forms usable by keyboard.

The demo is the session's shared demo database (``demo_db``, tests/demo/database.py). The alliance records
the test needs are written here through the services (the demo's alliance data comes from the demo package).
Chromium runs in a worker thread (as in tests/registry): Playwright's sync API refuses a second
instance in the thread where tests/browser's session-wide browser may be running. The worker thread
only drives the browser; every database access stays in the test's own thread.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.programme import agreements, lifecycle, loading
from kommunalschutz.foundation.accounts.models import Organisation, User
from kommunalschutz.foundation.registry.models import Municipality, PoliceDirectorate
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, DEMO_PASSWORD
from tests.browser.worker import foreign_requests, in_browser, log_in, tab_to, totp_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAME = "koordination"


def _records() -> tuple[Municipality, int]:
    """A municipality without alliance records yet (the demo may already have some): contacted, consulted,
    agreement signed (member), a review date, the agreement ended (left). Returns it and the agreement's id."""
    coordinator = User.objects.get(username=USERNAME)
    office = Organisation.objects.get(kind="coordination_office")
    municipality = (
        Municipality.objects.filter(land="14", valid_until__isnull=True,
                                    district__police_directorate__code="pd-dresden",
                                    alliance_membershiptransition_set__isnull=True,
                                    alliance_cooperationagreement_set__isnull=True)
        .order_by("ags").first())
    assert municipality is not None
    loading.load_programme(actor=None)
    for stage, date in (("contacted", dt.date(2019, 9, 2)), ("consulted", dt.date(2020, 2, 3))):
        lifecycle.record_transition(actor=coordinator, stage=stage, date=date, acting_organisation=office,
                                    municipality=municipality, is_synthetic=True)
    agreement = agreements.create_agreement(
        actor=coordinator, municipality=municipality, title=f"Kooperationsvereinbarung {municipality.name}",
        police_directorate=PoliceDirectorate.objects.get(code="pd-dresden"), police_station="Polizeirevier",
        background="Die Gemeinde tritt der Allianz bei.", goals_and_tasks="Aufbau eines Präventionsrats.",
        signatories=[{"party": "municipality", "name": "Tim Lochner", "function": "Oberbürgermeister"}],
        is_synthetic=True,
    )
    agreements.sign_agreement(actor=coordinator, agreement=agreement, signed_on=dt.date(2021, 6, 25))
    agreements.add_review(actor=coordinator, agreement=agreement, due_on=dt.date(2022, 6, 25))
    # Ending the agreement ends the membership ("left" the same day): membership needs an agreement in force.
    agreements.terminate_agreement(actor=coordinator, agreement=agreement, terminated_on=dt.date(2023, 12, 31))
    return municipality, agreement.pk


def test_alliance_pages_are_accessible_and_keyboard_usable(live_server: Any, demo_db: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    municipality, agreement_id = _records()
    code = totp_source(USERNAME)
    base = str(live_server.url)

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, USERNAME, DEMO_PASSWORD, code)

        page.goto(base + reverse("alliance:record_list"))
        assert page.locator("h1").inner_text().startswith("Allianz")
        assert_accessible(page, "record list")
        for selector in ("#id_q", "#id_stage", "#id_district", "form[role=search] button[type=submit]"):
            tab_to(page, selector)

        page.goto(base + reverse("alliance:municipality_record", args=[municipality.ags]))
        assert page.locator(".badge-synthetic").count() >= 1
        assert_accessible(page, "Pirna's record")
        # Record a step by keyboard alone: choose the stage, type the date, submit with Enter.
        tab_to(page, "#id_stage")
        page.keyboard.press("Home")  # the first stage: contacted (after leaving, the lifecycle starts again)
        tab_to(page, "#id_date")
        page.keyboard.type("01012024")
        tab_to(page, "form.stacked-form button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("td .stage-contacted, th .stage-contacted").count() == 2, page.content()[:2000]
        assert page.locator("td .stage-left, th .stage-left").count() == 1

        page.goto(base + reverse("alliance:agreement_detail", args=[agreement_id]))
        assert_accessible(page, "agreement page")
        tab_to(page, f"a[href='{reverse('alliance:agreement_document_upload', args=[agreement_id])}']")

        page.goto(base + reverse("alliance:agreement_create", args=[municipality.ags]))
        assert_accessible(page, "agreement form")
        tab_to(page, "#id_title")
        tab_to(page, "#id_signatories-0-name")

        page.goto(base + reverse("alliance:members") + "?as_of=2021-06-25")
        assert page.get_by_role("link", name=municipality.name, exact=True).count() == 1
        assert_accessible(page, "members on a date")

        assert [e for e in console_errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(steps)
