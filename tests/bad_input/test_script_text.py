"""Text that looks like code is valid text: stored as typed, shown escaped (issue 12, item 5)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kommunalschutz.foundation.accounts.models import APIToken
from tests.bad_input.corpus import VALID_TEXT
from tests.conftest import World

SCRIPT = str(VALID_TEXT[0].value)


def test_script_text_is_stored_and_shown_escaped(world: World, login: Any) -> None:
    client = login(world.analyst)
    url = reverse("accounts:token_list")
    response = client.post(url, {"name": SCRIPT, "days": "30"})
    assert response.status_code == 302
    assert APIToken.objects.get(user=world.analyst).name == SCRIPT  # stored as typed
    html = client.get(url).content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
