"""The axe helper must fail on what it is meant to catch, or the accessibility test proves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.once, pytest.mark.browser]

GOOD = """<!DOCTYPE html><html lang="de"><head><title>Gut</title></head>
<body><main><h1>Gut</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Punkt"></main></body></html>"""
# An image without alt text (critical) and a nameless button (critical).
BAD = """<!DOCTYPE html><html lang="de"><head><title>Schlecht</title></head>
<body><main><h1>Schlecht</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></main>
</body></html>"""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_axe_helper_passes_a_clean_page(page: Any) -> None:
    page.set_content(GOOD)
    assert_accessible(page, "clean page")


def test_axe_helper_names_rule_and_element_of_serious_violations(page: Any) -> None:
    page.set_content(BAD)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "bad page")
    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "button-name (critical)" in message
    assert "<img src=" in message  # the offending element, so it can be found without rerunning
