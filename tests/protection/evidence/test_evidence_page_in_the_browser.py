"""The evidence page in a real Chromium, as the case owner: no serious axe findings (with items, and with
form errors shown), keyboard reachable forms, no CSP errors, no request to another server.

One test on purpose (browser tests are slow). Chromium runs in a worker thread, as in tests/alliance; the
session cookie of a logged-in client (second factor included) is handed to the browser.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import FilePayload

from kommunalschutz.protection.evidence import services
from kommunalschutz.protection.evidence.models import EvidenceItem
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, configure
from tests.protection.evidence.conftest import SAMPLES, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_evidence_page_is_accessible_and_usable(live_server: Any, world: Any, case: Any, login: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    services.add_file(case=case, actor=world.pirna_official, upload=upload("brief.pdf"), description="Drohbrief")
    services.add_online_content(case=case, actor=world.coordinator, upload=upload("bildschirmfoto.png"), data={
        "url": "https://t.example/c/5", "platform": "Telegram", "account_name": "@anon",
        "posted_at": timezone.now() - dt.timedelta(days=1), "captured_at": timezone.now(),
        "content_text": "<b>Wir finden dich</b>"})
    client = login(world.coordinator)
    cookie = client.cookies["sessionid"].value
    base = str(live_server.url)
    url = base + reverse("evidence:case_evidence", args=[case.pk])
    png = SAMPLES["bildschirmfoto.png"][0]

    def work() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                configure(context)
                context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
                requests: list[str] = []
                errors: list[str] = []
                context.on("request", lambda request: requests.append(request.url))
                page = context.new_page()
                page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
                page.goto(url)
                assert page.locator("h1").count() == 1
                assert page.locator("table.evidence-table tbody tr").count() == 2
                assert page.locator("table.evidence-table b").count() == 0  # free text shown inert
                assert_accessible(page, "evidence page")

                # A capture before the posting: the form comes back with the error at the field.
                page.fill("#id_online-url", "https://x.example/status/1")
                page.fill("#id_online-platform", "X")
                page.fill("#id_online-posted_at", "2024-11-05T10:00")
                page.fill("#id_online-captured_at", "2024-11-04T10:00")
                page.fill("#id_online-content_text", "Drohung")
                with page.expect_navigation():
                    page.locator("form:has(input[value=online]) button[type=submit]").click()
                assert page.locator("#id_online-captured_at[aria-invalid=true]").count() == 1
                assert_accessible(page, "evidence page with form errors")

                # Upload by keyboard: focus the file input, choose a file, submit with Enter on the button.
                page.set_input_files("#id_file-file", files=[FilePayload(name="screenshot.png", mimeType="image/png",
                                                                         buffer=png)])
                page.locator("form:has(input[value=file]) button[type=submit]").focus()
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert page.locator("table.evidence-table tbody tr").count() == 3
                assert page.locator(".evidence-package button[type=submit]").count() == 1
                assert [e for e in errors if "Content Security Policy" in e] == []
                own = urlsplit(base).netloc
                assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
                        and urlsplit(u).netloc != own] == []
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()
    assert EvidenceItem.objects.filter(case=case).count() == 3
