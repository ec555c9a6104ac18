"""The event pages in a real Chromium: the public page and registration form (filled with the keyboard alone)
and the coordinator's attendee list, each without serious axe findings, CSP errors or foreign requests.

Like the other apps' browser tests, Chromium runs in a worker thread of its own (tests/browser's
session-wide browser may be running in the main thread). The worker touches no database: records and the
coordinator's session are made before it starts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Registration
from tests.alliance.events.conftest import make_event, person
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, configure
from tests.conftest import World

if TYPE_CHECKING:  # playwright exports the cookie's TypedDict only from its implementation package
    from playwright._impl._api_structures import SetCookieParam

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_browser(base_url: str, steps: Callable[[Any], None], cookies: list[SetCookieParam] | None = None) -> list[str]:
    """Run steps(page); return what went wrong around them (CSP errors, requests to other hosts)."""
    problems: list[str] = []

    def work() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                configure(context)
                if cookies:
                    context.add_cookies(cookies)
                own = urlsplit(base_url).netloc
                context.on("request", lambda request: problems.append(f"foreign request: {request.url}")
                           if urlsplit(request.url).scheme in ("http", "https")
                           and urlsplit(request.url).netloc != own else None)
                page = context.new_page()
                page.on("console", lambda msg: problems.append(f"console: {msg.text}")
                        if msg.type == "error" and "Content Security Policy" in msg.text else None)
                steps(page)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()
    return problems


@pytest.fixture
def chromium_present() -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")


def _focus(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement.name || document.activeElement.id || ''"))


def test_public_event_page_and_registration_by_keyboard(world: World, live_server: Any,
                                                        chromium_present: None) -> None:
    event = make_event(world, slug="netzwerktreffen", title="Netzwerktreffen Ost", capacity=50,
                       description="Austausch der Präventionsräte.")
    base = str(live_server.url)
    detail = reverse("events:event_detail", args=[event.slug])
    form_url = reverse("events:public_register", args=[event.slug, event.public_token])

    def steps(page: Any) -> None:
        page.goto(base + reverse("events:event_list"))
        assert_accessible(page, "event list (anonymous)")
        page.goto(base + detail)
        assert_accessible(page, "public event page")

        page.goto(base + form_url)
        assert_accessible(page, "public registration form")
        # Keyboard only: Tab from the top of the page into the first field, then field by field.
        for _ in range(40):
            page.keyboard.press("Tab")
            if _focus(page) == "first_name":
                break
        else:
            pytest.fail("the first name field never received focus")
        page.keyboard.type("Erika")
        for name, text in (("last_name", "Musterfrau"), ("email", "erika@example.org"),
                           ("organisation_name", "Stadt Freital"), ("function", "Bürgermeisterin")):
            page.keyboard.press("Tab")
            assert _focus(page) == name, f"Tab went to {_focus(page)!r}, not {name!r}"
            page.keyboard.type(text)
        page.keyboard.press("Tab")
        assert _focus(page) == "attendee_role"
        page.keyboard.press("ArrowDown")  # district administrator -> mayor
        page.keyboard.press("Tab")
        assert _focus(page) == "consent"
        page.keyboard.press("Space")
        for _ in range(3):  # past the link to the privacy notice in the statement of purpose
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.type") == "submit":
                break
        else:
            pytest.fail("the submit button never received focus")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Ihr Platz ist bestätigt" in page.inner_text("main")
        assert_accessible(page, "registration result")

        # The error state is accessible too: without consent the form comes back with its message.
        page.goto(base + form_url)
        page.fill("#id_first_name", "Max")
        page.fill("#id_last_name", "Muster")
        page.fill("#id_email", "max@example.org")
        with page.expect_navigation():
            page.locator("form.registration-form [type=submit]").click()
        assert "Ohne Ihre Einwilligung" in page.inner_text("main")
        assert_accessible(page, "registration form with errors")

    problems = _in_browser(base, steps)
    assert problems == []
    registration = Registration.objects.get(event=event)
    assert (registration.first_name, registration.attendee_role, registration.status) == (
        "Erika", "mayor", "confirmed")
    assert registration.consent_given_at is not None


def test_the_coordinators_attendee_list_is_accessible(world: World, live_server: Any,
                                                      chromium_present: None) -> None:
    event = make_event(world, slug="kommunalkonferenz", title="Kommunal-Konferenz", capacity=3,
                       starts_in=-dt.timedelta(hours=1))
    for number, role in enumerate(["mayor", "police", "district_administrator", "administration"]):
        services.register(actor=None, event=event, channel="office", is_synthetic=number % 2 == 0,
                          registered_at=event.starts_at - dt.timedelta(days=3, minutes=-number),
                          **person(number, attendee_role=role))
    # The coordinator's session, second factor included (as tests/conftest.py's login fixture makes it).
    client = Client()
    client.force_login(world.coordinator)
    device = TOTPDevice.objects.create(user=world.coordinator, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert session.session_key is not None  # saved above
    base = str(live_server.url)
    cookies: list[SetCookieParam] = [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}]
    attendees = reverse("events:attendee_list", args=[event.slug])

    def steps(page: Any) -> None:
        page.goto(base + reverse("events:event_detail", args=[event.slug]))
        assert "Verwaltung" in page.inner_text("main")
        assert_accessible(page, "event page with the management panel")
        page.goto(base + attendees)
        assert_accessible(page, "attendee list")
        button = page.get_by_role("button", name="Vorname0 Nachname0 als teilgenommen markieren")
        button.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Vorname0 Nachname0: teilgenommen." in page.inner_text("main")
        assert_accessible(page, "attendee list after marking attendance")
        page.goto(base + reverse("events:invite", args=[event.slug]) + "?q=Pirna")
        assert_accessible(page, "invitation search")

    problems = _in_browser(base, steps, cookies)
    assert problems == []
    assert Registration.objects.get(first_name="Vorname0").attended
