"""The anonymous form solves its proof of work in a real Chromium (Web Crypto, no inline script under the
CSP) and sends the report past a used-up per-client limit, which only a valid proof can do; axe-core
finds nothing serious on the form and the receipt page, and no request leaves the server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone

from kommunalschutz.foundation.core.throttle import client_fingerprint
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.intake import abuse
from tests.browser.axe import assert_accessible
from tests.browser.conftest import Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "Gartenzaun am Marktplatz 7"


def test_the_form_solves_the_proof_of_work_and_submits(session: Session, world: Any, settings: Any) -> None:
    settings.ANONYMOUS_REPORTS_PER_CLIENT = 1
    # Use up the browser's limit (it connects from 127.0.0.1): only a report with a valid proof gets through.
    browser_client = client_fingerprint(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1"), abuse.FINGERPRINT_PURPOSE)
    assert abuse.reports_window().claim(browser_client)
    assert abuse.reports_window().seconds_locked(browser_client) is not None

    page = session.page
    session.goto(session.url("intake:anonymous_report"))
    assert_accessible(page, "anonymous report form")
    # The work starts when the page loads and is done before a person has filled in anything.
    page.wait_for_selector("form[data-proof-done=solved]", state="attached")
    nonce = page.input_value("input[name=proof_nonce]")
    challenge = page.input_value("input[name=proof_challenge]")
    assert abuse.leading_zero_bits(abuse.proof_digest(challenge, nonce)) >= settings.ANONYMOUS_PROOF_OF_WORK_BITS

    occurred = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("textarea[name=description]", "Ein Drohbrief lag im Briefkasten.")
    page.check("input[name=incident_types][value=threat]")
    page.fill("input[name=occurred_at]", occurred)
    page.select_option("select[name=municipality]", value=str(world.pirna.pk))
    page.check("input[name=place][value=home]")
    page.check("input[name=channel][value=letter]")
    page.check("input[name=affected_role][value=council_member]")
    page.fill("input[name=passphrase]", PASSPHRASE)
    page.fill("input[name=passphrase_repeat]", PASSPHRASE)
    with page.expect_navigation():
        page.locator("form[data-proof-of-work] [type=submit]").click()
    receipt = page.locator(".intake-receipt-code").inner_text()
    assert len("".join(receipt.split())) == 16
    assert_accessible(page, "receipt page")

    case = Case.objects.get()
    assert case.intake == Case.Intake.ANONYMOUS and not case.reporter_access.flagged_for_review
    assert abuse.proven_reports(browser_client) == 1
    # A reload shows the note, not the receipt, and files nothing.
    page.reload()
    assert page.locator(".intake-receipt-code").count() == 0 and Case.objects.count() == 1
    assert not session.recorder.csp_violations()
    assert not session.recorder.foreign_requests(session.base_url)
