"""The protection demo as the issue's demo logins meet it: each opens the cases it works on, every tab passes
axe, and those without a need to know get "not found".

Logins: the Pirna official (her own report), the Dresden police contact (the Pirna cases of its directorate),
the LKA (the Freiberg case with a protection request), the coordinator (statistics, the intake dashboard) and
the administrator as the outsider to casework.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.protection.cases.models import Case
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, DEMO_PASSWORD
from tests.browser.worker import foreign_requests, in_chromium, log_in, open_tab, totp_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tabs(case: Case) -> dict[str, str]:
    return {
        "overview": reverse("cases:case_detail", args=[case.pk]),
        "evidence": reverse("evidence:case_evidence", args=[case.pk]),
        "assessments": reverse("assessments:case_assessments", args=[case.pk]),
        "measures": reverse("measures:case_measures", args=[case.pk]),
    }


def test_demo_logins_see_their_cases_and_nothing_else(live_server: Any, demo_db: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    base = str(live_server.url)
    pirna = Case.objects.get(is_synthetic=True, municipality__ags="14628270", intake="self",
                             occurred_at__year__gte=2025)
    freiberg = Case.objects.get(is_synthetic=True, municipality__ags="14522180", lka_involved=True)
    # login -> (case tabs that open, case tabs that answer "not found")
    plan: dict[str, tuple[list[str], list[str]]] = {
        "pirna-buergermeisterin": ([_tabs(pirna)[t] for t in ("overview", "evidence", "measures")],
                                   [_tabs(pirna)["assessments"], _tabs(freiberg)["overview"]]),
        "pd-dresden": (list(_tabs(pirna).values()), [_tabs(freiberg)["overview"]]),
        "lka-schutz": ([_tabs(freiberg)["overview"], _tabs(freiberg)["measures"], _tabs(freiberg)["assessments"]],
                       [_tabs(pirna)["overview"]]),
        "koordination": ([reverse("casestats:dashboard"), reverse("cases:dashboard"), _tabs(freiberg)["assessments"]],
                         []),
        "admin": ([], [_tabs(pirna)["overview"], _tabs(freiberg)["measures"]]),
    }
    codes = {username: totp_source(username) for username in plan}

    def work(chromium: Any) -> list[str]:
        problems: list[str] = []
        for username, (opens, hidden) in plan.items():
            tab = open_tab(chromium)
            page = tab.page
            log_in(page, base, username, DEMO_PASSWORD, codes[username])
            for path in opens:
                response = page.goto(base + path)
                if response is None or response.status != 200:
                    problems.append(f"{username}: {path} answered {response and response.status}")
                    continue
                assert_accessible(page, f"{username} on {path}")
            for path in hidden:
                response = page.goto(base + path)
                if response is None or response.status != 404:
                    problems.append(f"{username}: {path} should be 'not found', got {response and response.status}")
            problems += [f"{username}: request to {url}" for url in foreign_requests(base, tab.requests)]
            tab.close()
        return problems

    assert in_chromium(work) == []
