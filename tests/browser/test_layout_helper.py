"""The overflow check finds what it should (so the width test cannot pass vacuously)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.layout import check_widths, overflow_problems

pytestmark = [pytest.mark.once, pytest.mark.browser]

PAGE = """<!DOCTYPE html><html lang="de"><body style="margin:0">
<div style="width:180px"><h2 id="tile">Kooperationsvereinbarungen Kooperationsvereinbarungen</h2></div>
<div style="width:100px; overflow-x:auto"><p>Kooperationsvereinbarungen im Scrollbereich</p></div>
</body></html>"""


def test_a_long_word_in_a_narrow_box_and_a_wide_page_are_found(browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 600})
    try:
        page.set_content(PAGE)
        problems = overflow_problems(page)
        assert len(problems) == 1 and problems[0].startswith("h2#tile"), problems  # the scroller is fine
        page.set_content(PAGE.replace('<div style="width:180px">', '<div style="width:1000px">'))
        assert overflow_problems(page) == []
        at_320 = check_widths(page)
        assert any("at 320 px: the page scrolls sideways" in problem for problem in at_320), at_320
        page.set_content(PAGE.replace("<h2", '<h2 style="overflow-wrap: break-word"'))
        assert check_widths(page) == []
    finally:
        page.close()
