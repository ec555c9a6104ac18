"""Issue 4's journey in a real Chromium: an anonymous report, its receipt, a case worker's reply, the reporter
reading it - with axe on every page, no CSP errors and no request to another server.

The reporter's browser never logs in; the case worker (the demo coordinator) logs in with password and TOTP.
Chromium runs in a worker thread (see tests/alliance/programme/test_alliance_pages_in_the_browser.py); database reads
stay in the test's own thread.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.cases.models import Case, CaseMessage
from kommunalschutz.protection.intake.models import ReporterAccess
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, DEMO_PASSWORD
from tests.browser.worker import in_chromium, log_in, open_tab, totp_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASE_WORKER = "koordination"
PASSPHRASE = "Gartenzaun am Marktplatz 7"
REPLY = "Wir haben Ihre Meldung erhalten. Die Polizeidirektion Dresden meldet sich bei Ihnen."
DESCRIPTION = "Unbekannte haben einen Drohbrief <script>alert(1)</script> in den Briefkasten geworfen."


def test_anonymous_report_receipt_reply_and_reading_it(live_server: Any, demo_db: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    base = str(live_server.url)
    heidenau = Municipality.objects.get(ags="14628160")
    occurred = (timezone.localtime() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    cases_before = set(Case.objects.values_list("pk", flat=True))

    # 1. The reporter fills in the anonymous form, without an account, and receives the receipt.
    def report(chromium: Any) -> str:
        tab = open_tab(chromium)
        page = tab.page
        page.goto(base + reverse("intake:anonymous_report"))
        assert_accessible(page, "anonymous report form")
        page.fill("textarea[name=description]", DESCRIPTION)
        page.check("input[name=incident_types][value=threat]")
        page.fill("input[name=occurred_at]", occurred)
        page.select_option("select[name=municipality]", value=str(heidenau.pk))
        page.check("input[name=place][value=home]")
        page.check("input[name=channel][value=letter]")
        page.check("input[name=affected_role][value=council_member]")
        page.fill("input[name=passphrase]", PASSPHRASE)
        page.fill("input[name=passphrase_repeat]", PASSPHRASE)
        with page.expect_navigation():
            page.locator("form:has(input[name=passphrase]) [type=submit]").first.click()
        code: str = page.locator(".intake-receipt-code").inner_text()
        assert_accessible(page, "receipt page")
        tab.assert_clean(base)
        tab.close()
        return code

    receipt = in_chromium(report)
    digits = re.sub(r"\D", "", receipt)
    assert len(digits) == 16
    (new_case,) = Case.objects.exclude(pk__in=cases_before)
    assert new_case.intake == Case.Intake.ANONYMOUS and new_case.reported_by_id is None
    assert new_case.police_directorate is not None and new_case.police_directorate.code == "pd-dresden"
    assert ReporterAccess.objects.filter(case=new_case).exists()

    # 2. The case worker takes the new case from the intake queue and replies to the reporter.
    code = totp_source(CASE_WORKER)

    def reply(chromium: Any) -> None:
        tab = open_tab(chromium)
        page = tab.page
        log_in(page, base, CASE_WORKER, DEMO_PASSWORD, code)
        page.goto(base + reverse("cases:dashboard"))
        assert new_case.reference in page.content()
        assert_accessible(page, "intake dashboard")
        page.goto(base + reverse("cases:case_detail", args=[new_case.pk]))
        # The script in the description arrives as text, never as markup.
        assert "<script>alert(1)</script>" in page.locator("body").inner_text()
        assert_accessible(page, "case page")
        with page.expect_navigation():
            page.get_by_role("button", name="Fall übernehmen und annehmen").click()
        page.fill("textarea[name=message-body]", REPLY)
        page.check("input[name=message-kind][value=message]")
        with page.expect_navigation():
            page.locator("form:has(textarea[name=message-body]) [type=submit]").first.click()
        assert REPLY in page.locator("body").inner_text()
        assert_accessible(page, "case page after the reply")
        tab.assert_clean(base)
        tab.close()

    in_chromium(reply)
    new_case.refresh_from_db()
    assert new_case.owner is not None and new_case.owner.username == CASE_WORKER
    assert CaseMessage.objects.filter(case=new_case, from_reporter=False, internal=False).count() == 1

    # 3. The reporter returns with receipt and passphrase and reads the reply.
    def read(chromium: Any) -> None:
        tab = open_tab(chromium)
        page = tab.page
        page.goto(base + reverse("intake:follow_up"))
        assert_accessible(page, "follow-up form")
        page.fill("input[name=receipt]", receipt)
        page.fill("input[name=passphrase]", PASSPHRASE)
        with page.expect_navigation():
            page.locator("form:has(input[name=receipt]) [type=submit]").first.click()
        assert REPLY in page.locator("body").inner_text()
        assert_accessible(page, "the reporter's view of the case")
        tab.assert_clean(base)
        tab.close()

    in_chromium(read)
    assert CaseMessage.objects.get(case=new_case, from_reporter=False).read_by_reporter_at is not None
