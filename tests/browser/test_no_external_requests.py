"""No request leaves the server while browsing (privacy and offline operation, CONVENTIONS.md).

Fonts, map tiles, scripts and API documentation assets must all come from the platform itself.
The same walk also catches anything the Content-Security-Policy blocks, which would mean a page
that works in development and breaks for users.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Recorder, Session, log_in
from tests.browser.pages import main_navigation_links, public_pages

pytestmark = pytest.mark.once  # what it checks does not depend on the suite's database: CI runs it once


def test_recorder_flags_every_host_but_the_live_server() -> None:
    """The browsing test below is only as good as this filter, so it gets a test of its own."""
    recorder = Recorder(requests=[
        "http://127.0.0.1:8081/static/css/main.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "http://localhost:8081/",  # same machine, but another origin than the one served
        "http://127.0.0.1:9999/",
        "https://tile.openstreetmap.org/1/1/1.png",
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui.css",
    ])
    assert recorder.foreign_requests("http://127.0.0.1:8081") == [
        "http://localhost:8081/",
        "http://127.0.0.1:9999/",
        "https://tile.openstreetmap.org/1/1/1.png",
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui.css",
    ]


def _footer_links(session: Session) -> list[str]:
    hrefs: list[str] = session.page.eval_on_selector_all(
        "footer a[href]", "links => links.map(link => link.href)"
    )
    return hrefs


def _walk(session: Session, urls: list[str]) -> None:
    for url in urls:
        response = session.goto(url)
        assert response is not None and response.ok, f"{url} answered {response.status if response else None}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_request_leaves_the_live_server(new_session: Any, demo_db: Any) -> None:

    anonymous = new_session()
    _walk(anonymous, [anonymous.base_url + path for _, path in public_pages()])
    # Footer pages include the API documentation, whose UI libraries often come from a CDN.
    _walk(anonymous, [url for url in _footer_links(anonymous) if url not in anonymous.recorder.requests])

    coordinator = new_session()
    log_in(coordinator, "koordination")  # the role with the widest navigation
    _walk(coordinator, main_navigation_links(coordinator.page))

    for session in (anonymous, coordinator):
        assert session.recorder.requests, "the recorder saw no requests at all: the test would pass vacuously"
        foreign = session.recorder.foreign_requests(session.base_url)
        assert not foreign, "requests left the live server:\n" + "\n".join(sorted(set(foreign)))
        blocked = session.recorder.csp_violations()
        assert not blocked, "the Content-Security-Policy blocked:\n" + "\n".join(sorted(set(blocked)))
