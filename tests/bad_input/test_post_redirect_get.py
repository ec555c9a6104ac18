"""Post/redirect/get on every form of the site (issue 12, item 6): a reload never writes again.

Every form the crawl found is sent once with the values its page shows (for an edit form: the object as it
is, a valid save), as the persona who saw it. A post that wrote something (a row more or fewer, or an audit
event: every write records one) must answer with a redirect, not with a page: a browser's reload of a page
that answered a POST sends the POST again. Following the redirect and loading it twice more (the reload)
writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.foundation.accounts.models import User
from tests.bad_input.site import changed, row_counts
from tests.bad_input.test_every_form import the_site
from tests.demo.database import DemoData

# Forms whose answer is a file or a fragment, not a page a browser reloads.
NOT_PAGES = {
    "accounts:logout",  # ends the session: the redirect goes to the login page
}


def test_every_form_that_writes_redirects_and_a_reload_writes_nothing(demo_db: DemoData, client: Any, login: Any,
                                                                       pytestconfig: pytest.Config) -> None:
    site = the_site(client, login, pytestconfig)
    users = {user.username: user for user in User.objects.all()}
    failures: list[str] = []
    wrote: list[str] = []
    for route, form in sorted(site.forms.items()):
        if route in NOT_PAGES:
            continue
        client.logout()
        if form.persona is not None:
            login(users[form.persona])
        client.get(form.page)  # as a person does: some pages prepare something on the first visit
        before = row_counts()
        response = client.post(form.action, form.data())
        after = row_counts()
        if not changed(before, after):
            continue
        wrote.append(route)
        if "attachment" in response.get("Content-Disposition", ""):
            continue  # a download (the evidence package): the browser stays on the page, nothing to reload
        if response.status_code not in (301, 302, 303):
            failures.append(f"{route} as {form.persona}: wrote {changed(before, after)} and answered "
                            f"{response.status_code} instead of a redirect (a reload posts again)")
            continue
        target = response["Location"]
        for _reload in range(2):
            reloaded_before = row_counts()
            client.get(target)
            if changed(reloaded_before, row_counts()):
                failures.append(f"{route}: loading {target} after the redirect wrote "
                                f"{changed(reloaded_before, row_counts())}")
                break
    print(f"{len(wrote)} forms wrote: {wrote}")
    assert not failures, "\n".join(failures)
    # The check means something only if forms were saved: edit forms with their own values are.
    assert len(wrote) >= 15, f"only {len(wrote)} forms wrote with the values their page shows: {wrote}"
