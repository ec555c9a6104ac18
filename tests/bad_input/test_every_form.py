"""The bad-input corpus sent to every form of the site, as the persona who sees the form (issue 12, item 5).

Every answer: no server error, German (Content-Language de; an error page or form error in German words), and
for input that must be refused the row count of every table unchanged (every write records an audit event, so
an update counts too; a refusal may also redirect with a message). Text that is genuinely valid
(``<script>``, SQL-like text) is no refusal; it may be stored, and test_script_text_is_stored_and_shown_escaped
checks that it is shown escaped.

The forms are found by crawling the demo database (tests/bad_input/site.py) once per test session; one test
per app sends the corpus to that app's forms, so a failure names the app.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kommunalschutz.foundation.accounts.models import User
from tests.bad_input import corpus
from tests.bad_input.site import Form, Site, changed, crawl, german_problem, post_views, row_counts
from tests.demo.database import DemoData, once_per_session

_SITE: list[Site] = []


def _users() -> dict[str, User]:
    return {user.username: user for user in User.objects.all()}


def the_site(client: Any, login: Any, config: pytest.Config) -> Site:
    """The crawl's result; made by the first test of the session that needs it, on whichever worker (the demo
    copies are identical: one template for the session), and shared with the other workers."""
    if not _SITE:
        _SITE.append(once_per_session(config, "bad-input-site", lambda: crawl(client, login, _users())))
    return _SITE[0]


def targets(site: Site) -> dict[str, Form]:
    """Every POST view: its form as a page shows it, else its address made from the crawl's arguments."""
    found = dict(site.forms)
    for name, route in post_views().items():
        if name not in found:
            direct = site.direct(name, route)
            if direct is not None:
                found[name] = direct
    return found


APPS = sorted({name.split(":")[0] for name in post_views()})


def _send(client: Any, form: Form, data: Any, *, json_body: bool = False) -> Any:
    if json_body:
        return client.post(form.action, data=json.dumps(data), content_type="application/json")
    return client.post(form.action, data)


def _check(failures: list[str], form: Form, payload: str, response: Any, before: dict[str, int],
           *, must_refuse: bool) -> None:
    problem = german_problem(response)
    if problem:
        failures.append(f"{form.route} as {form.persona} with {payload}: {problem}")
    if must_refuse:
        diff = changed(before, row_counts())
        if diff:
            failures.append(f"{form.route} as {form.persona} with {payload}: rows written {diff}")


# Pages that prepare something on the first visit (the pending device of the second-factor enrolment): a post
# without the visit writes what the visit would have written.
PREPARED_ON_VISIT = {"accounts:otp_setup"}


def send_corpus(client: Any, login: Any, users: dict[str, User], form: Form) -> list[str]:
    failures: list[str] = []

    def as_persona() -> None:
        client.logout()
        if form.persona is not None:
            login(users[form.persona])

    def attempt(payload: str, data: Any, *, must_refuse: bool, json_body: bool = False) -> None:
        as_persona()
        before = row_counts()
        try:
            response = _send(client, form, data, json_body=json_body)
        except Exception as exc:  # the test client re-raises what would have been a 500
            failures.append(f"{form.route} as {form.persona} with {payload}: server error {exc!r}"[:400])
            return
        _check(failures, form, payload, response, before, must_refuse=must_refuse)

    # (A view reached directly, without its form, may be a button: an empty post can be a valid press.)
    known = form.page != "(direct)"
    # An empty body from a client that never opened the page (a script does not).
    if form.route not in PREPARED_ON_VISIT:
        attempt("empty body, page not opened", {}, must_refuse=known and not form.is_action)
    # Then the page, as a person opens it, and the rest.
    as_persona()
    client.get(form.page if known else "/")
    attempt("empty body", {}, must_refuse=known and not form.is_action)
    attempt("JSON body", form.data(), must_refuse=known and not form.is_action, json_body=True)
    # Text no field accepts: in every text field, or (a form without one) as an extra field.
    targets = [f.name for f in form.text_fields] or ["bemerkung"]
    for payload in corpus.BAD_TEXT:
        attempt(payload.name, form.data(**dict.fromkeys(targets, payload.value)), must_refuse=True)
    # A file name with a NUL, and files no upload field accepts.
    for f in (f for f in form.fields if f.kind == "file"):
        for name, file_name, content in corpus.bad_files():
            refused = name not in {"truncated_pdf", "truncated_png", "nul_in_name"}
            upload = SimpleUploadedFile(file_name.replace("\x00", ""), content)
            if name == "nul_in_name":
                upload.name = file_name
            attempt(f"file {name}", {**form.data(), f.name: upload}, must_refuse=refused and name != "empty")
    # Dates and numbers.
    dates = [f.name for f in form.fields if f.kind == "date"]
    moments = [f.name for f in form.fields if f.kind == "datetime-local"]
    numbers = [f.name for f in form.fields if f.kind == "number"]
    for payload in corpus.BAD_DATES if dates else []:
        attempt(f"date {payload.name}", form.data(**dict.fromkeys(dates, payload.value)), must_refuse=True)
    for payload in corpus.BAD_DATETIMES if moments else []:
        attempt(f"datetime {payload.name}", form.data(**dict.fromkeys(moments, payload.value)), must_refuse=True)
    for payload in corpus.BAD_NUMBERS if numbers else []:
        attempt(f"number {payload.name}", form.data(**dict.fromkeys(numbers, payload.value)),
                must_refuse=payload.name != "negative")
    # Valid text: no refusal needed, no server error allowed; where it was saved, the page it leads to shows
    # it escaped.
    if form.text_fields:
        script = corpus.VALID_TEXT[0]
        as_persona()
        before = row_counts()
        response = _send(client, form, form.data(**dict.fromkeys(targets, script.value)))
        _check(failures, form, script.name, response, before, must_refuse=False)
        if changed(before, row_counts()) and response.status_code in (302, 303):
            shown = client.get(response["Location"]).content.decode()
            if str(script.value) in shown:
                failures.append(f"{form.route}: the saved {script.value!r} is shown unescaped")
    return failures


@pytest.mark.demo_first  # the crawl, early and on one worker (tests/conftest.py)
def test_the_crawl_finds_a_form_for_every_view_that_handles_post(demo_db: DemoData, client: Any, login: Any,
                                                                 pytestconfig: pytest.Config) -> None:
    site = the_site(client, login, pytestconfig)
    missing = sorted(set(post_views()) - set(targets(site)))
    assert not missing, f"views handling POST that the corpus cannot reach: {missing}"
    on_pages = len(set(post_views()) & set(site.forms))
    assert on_pages >= 0.6 * len(post_views()), f"only {on_pages} of {len(post_views())} forms found on pages"


@pytest.mark.parametrize("app", APPS)
def test_every_form_refuses_bad_input_in_german_and_writes_nothing(demo_db: DemoData, client: Any, login: Any,
                                                                   pytestconfig: pytest.Config, app: str) -> None:
    users = _users()
    site = the_site(client, login, pytestconfig)
    mine = [form for route, form in sorted(targets(site).items()) if route.split(":")[0] == app]
    failures: list[str] = []
    for form in mine:
        failures += send_corpus(client, login, users, form)
    assert not failures, "\n".join(failures)
