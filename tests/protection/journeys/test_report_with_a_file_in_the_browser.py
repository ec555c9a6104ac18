"""Issue 13's reporting path in a real Chromium: Pirna's mayor reports a threat with a photo of the letter in
step 1, reads the confirmation (what happens next, 110, what she submitted with its SHA-256), adds online
content in the evidence step and details in a later step; axe on every page, no CSP error, no outside request.

The demo official logs in with her password (officials have no second factor). Chromium runs in a worker
thread; database reads stay in the test's own thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence.models import EvidenceItem
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, DEMO_PASSWORD
from tests.browser.worker import in_chromium, log_in, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICIAL = "pirna-buergermeisterin"
DESCRIPTION = "Im Briefkasten des Rathauses lag ein Drohbrief: „Wir wissen, wo Sie wohnen.“"


def _photo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (180, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


WITNESSES = "Hausmeister Schulze, erreichbar über das Rathaus"


def test_a_mayor_reports_with_a_file_and_completes_the_report_later(live_server: Any, demo_db: Any, settings: Any,
                                                                     tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    base = str(live_server.url)
    pirna = Municipality.objects.get(ags="14628270")
    heidenau = Municipality.objects.get(ags="14628160")
    occurred = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    photo = _photo()
    cases_before = set(Case.objects.values_list("pk", flat=True))

    def report(chromium: Any) -> None:
        tab = open_tab(chromium)
        page = tab.page
        log_in(page, base, OFFICIAL, DEMO_PASSWORD)
        page.goto(base + reverse("intake:report"))
        assert_accessible(page, "report, step 1")
        body = page.locator("main").inner_text()
        # Her own report: no name or contact fields; her municipality is preselected and can be changed.
        assert page.locator("input[name=affected_name]").count() == 0
        assert page.locator("input[name=affected_contact]").count() == 0
        assert "Birgit" in body
        assert page.locator("select[name=municipality]").input_value() == str(pirna.pk)
        # The search box narrows the list of 400 municipalities (the page's own script, no library).
        page.get_by_label("Liste durchsuchen (Name der Gemeinde oder des Landkreises)").fill("Heidenau")
        page.wait_for_function("document.querySelector('[role=status][id$=filter-status]').textContent !== ''")
        option = "select[name=municipality] option[value='%s']"
        assert page.locator(option % heidenau.pk).evaluate("o => !o.hidden")
        assert page.locator(option % pirna.pk).evaluate("o => o.hidden")
        # The one match is chosen: the preselection changed to Heidenau.
        assert page.locator("select[name=municipality]").input_value() == str(heidenau.pk)
        page.fill("textarea[name=description]", DESCRIPTION)
        page.check("input[name=incident_types][value=threat]")
        page.check("input[name=channel][value=letter]")
        page.fill("input[name=occurred_at]", occurred)
        page.check("input[name=place][value=office]")
        # Her office comes from her account (the demo sets "mayor"): not asked again.
        assert page.locator("input[name=affected_role]").count() == 0
        assert "Bürgermeister/in" in body and "aus Ihrem Konto" in body
        page.set_input_files("input[name=evidence_file]", files=[
            {"name": "drohbrief.png", "mimeType": "image/png", "buffer": photo}])
        page.fill("textarea[name=evidence_description]", "Foto des Briefes")
        with page.expect_navigation():
            page.get_by_role("button", name="Meldung senden").click()

        # The confirmation: what happens next, 110, and what she submitted.
        assert "/melden/bestaetigung/" in page.url
        body = page.locator("main").inner_text()
        assert "110" in body and "Wie es weitergeht" in body and "Koordinierungsstelle" in body
        assert "drohbrief.png" in body and hashlib.sha256(photo).hexdigest() in body
        assert_accessible(page, "confirmation with the optional steps")

        # The evidence step: online content, with its own checks.
        with page.expect_navigation():
            page.get_by_role("link", name="Weiter: Beweismittel hinzufügen").click()
        assert_accessible(page, "evidence step")
        now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        page.fill("input[name=online-url]", "https://example.org/beitrag/1")
        page.fill("input[name=online-platform]", "Facebook")
        page.fill("input[name=online-posted_at]", now)
        page.fill("input[name=online-captured_at]", now)
        page.fill("textarea[name=online-content_text]", "Wir kriegen dich.")
        with page.expect_navigation():
            page.get_by_role("button", name="Online-Inhalt erfassen").click()
        assert "Facebook" in page.locator("#eingereicht").inner_text()
        assert_accessible(page, "evidence step after adding online content")

        # A later step: details of the incident, saved; the next one skipped.
        with page.expect_navigation():
            page.get_by_role("link", name="Weiter zum nächsten Schritt").click()
        assert_accessible(page, "details step")
        page.fill("input[name=place_detail]", "Briefkasten am Haupteingang")
        page.fill("textarea[name=witnesses]", WITNESSES)
        with page.expect_navigation():
            page.get_by_role("button", name="Speichern und weiter").click()
        assert "/ergaenzen/taeter/" in page.url and "gespeichert" in page.locator("main").inner_text()
        assert_accessible(page, "perpetrator step")
        # The perpetrator skipped; the complaint step: she wants to file one and agrees to pass the report on.
        with page.expect_navigation():
            page.get_by_role("link", name="Diesen Schritt überspringen").click()
        assert "/ergaenzen/anzeige/" in page.url
        assert_accessible(page, "complaint and consent step")
        assert "Darf das Fallteam Ihre Meldung an die Polizei weitergeben?" in page.locator("main").inner_text()
        page.check("input[name=complaint_wanted][value=wanted]")
        page.check("input[name=police_consent][value=given]")
        with page.expect_navigation():
            page.get_by_role("button", name="Speichern und weiter").click()
        assert "/melden/bestaetigung/" in page.url
        tab.assert_clean(base)
        tab.close()

    in_chromium(report)
    (case,) = Case.objects.exclude(pk__in=cases_before)
    assert (case.intake, case.municipality_id, case.place_detail, case.affected_role) == (
        "self", heidenau.pk, "Briefkasten am Haupteingang", "mayor")
    assert (case.witnesses, case.complaint_wanted, case.police_consent) == (WITNESSES, "wanted", "given")
    assert case.affected_user is not None and case.affected_user.username == OFFICIAL
    items = list(EvidenceItem.objects.filter(case=case).order_by("pk"))
    assert [item.kind for item in items] == ["file", "online"]
    assert items[0].sha256 == hashlib.sha256(photo).hexdigest() and items[0].original_name == "drohbrief.png"
