"""Keyboard-only use (WCAG 2.1.1, 2.4.1, 2.4.7): skip link first, focus visible, login without a mouse."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.foundation.accounts.models import Organisation, Role
from tests.browser.conftest import Session
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
# A generous bound: the login form sits after the header and navigation, never 40 stops away.
MAX_TABS = 40
SUBMIT = "form:has(input[name=password]) :is([type=submit], button:not([type]))"

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), name: el.getAttribute('name'), type: el.getAttribute('type'),
    id: el.id, cls: el.className, href: el.getAttribute('href'), inMain: !!el.closest('main'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    visible: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
             && box.left < window.innerWidth && box.top < window.innerHeight,
  };
}"""


def _focused(session: Session) -> dict[str, Any] | None:
    result: dict[str, Any] | None = session.page.evaluate(FOCUSED)
    return result


def _tab_to(session: Session, selector: str) -> dict[str, Any]:
    """Press Tab until the element matching selector has focus; fail if it never does."""
    for _ in range(MAX_TABS):
        session.page.keyboard.press("Tab")
        if session.page.evaluate("(sel) => document.activeElement?.matches(sel) ?? false", selector):
            focused = _focused(session)
            assert focused is not None
            return focused
    pytest.fail(f"{selector} never received focus within {MAX_TABS} Tab presses")


# Not the login page: its username field has autofocus, so focus starts there (Django's default).
@pytest.mark.parametrize("url_name", ["core:home", "registry:municipality_list", "registry:overview_map"])
def test_skip_link_is_first_and_moves_focus_into_main(session: Session, url_name: str) -> None:
    session.goto(reverse(url_name))

    session.page.keyboard.press("Tab")
    first = _focused(session)

    assert first is not None and "skip-link" in str(first["cls"]), f"first Tab stop is {first}, not the skip link"
    assert first["href"] == "#main"
    assert first["visible"], "the skip link stays off-screen when focused"
    assert first["outline"] or first["shadow"], "the focused skip link has no visible focus indicator"

    session.page.keyboard.press("Enter")
    after = _focused(session)
    assert after is not None and (after["tag"] == "main" or after["inMain"]), (
        f"after Enter on the skip link, focus is on {after}, not inside <main>"
    )


def test_login_form_works_with_keyboard_only(session: Session) -> None:
    # A coach needs no second factor, so the password form alone completes the login.
    user = UserFactory.create(username="keyboard-coach")
    organisation = OrganisationFactory.create(kind=Organisation.Kind.COACHING_INSTITUTE, name="Tastatur-Institut")
    MembershipFactory.create(user=user, organisation=organisation, role=Role.COACH)
    session.goto(reverse("accounts:login"))

    username = _tab_to(session, "input[name=username]")
    assert username["outline"] or username["shadow"], "the focused username field shows no focus indicator"
    session.page.keyboard.type("keyboard-coach")

    session.page.keyboard.press("Tab")
    password = _focused(session)
    assert password is not None and password["name"] == "password", f"Tab after username went to {password}"
    session.page.keyboard.type(PASSWORD)

    # Submit through the visible button, reached by Tab (a "forgot password" link may come first).
    button = _tab_to(session, SUBMIT)
    assert button["outline"] or button["shadow"], "the focused submit button shows no focus indicator"
    with session.page.expect_navigation():
        session.page.keyboard.press("Enter")
    session.page.wait_for_load_state("networkidle")

    assert urlsplit(session.page.url).path != reverse("accounts:login"), (
        "still on the login page: " + session.page.locator("body").inner_text()[:300]
    )
    profile = reverse("accounts:profile")
    assert session.page.locator(f"nav.main-nav a[href='{profile}']").count() == 1, (
        "after the keyboard login the navigation offers no 'My account': not logged in"
    )
