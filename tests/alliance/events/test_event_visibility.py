"""Who sees which event: the public published ones, the coordination office also drafts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.alliance.events import services
from tests.alliance.events.conftest import make_event
from tests.conftest import World


@pytest.fixture
def events(world: World) -> dict[str, Any]:
    published = make_event(world, slug="veroeffentlicht", title="Öffentliches Treffen")
    draft = make_event(world, slug="entwurf", title="Geheimer Entwurf", status="draft")
    called_off = make_event(world, slug="abgesagt", title="Abgesagtes Treffen")
    services.cancel_event(actor=world.coordinator, event=called_off)
    cancelled_draft = make_event(world, slug="verworfen", title="Verworfener Entwurf", status="draft")
    services.cancel_event(actor=world.coordinator, event=cancelled_draft)
    return {"published": published, "draft": draft, "called_off": called_off, "cancelled_draft": cancelled_draft}


def test_anonymous_visitors_see_only_public_events(events: dict[str, Any], client: Client) -> None:
    page = client.get(reverse("events:event_list")).content.decode()
    assert "Öffentliches Treffen" in page and "Abgesagtes Treffen" in page
    assert "Geheimer Entwurf" not in page and "Verworfener Entwurf" not in page
    assert client.get(reverse("events:event_detail", args=["veroeffentlicht"])).status_code == 200
    assert client.get(reverse("events:event_detail", args=["abgesagt"])).status_code == 200


@pytest.mark.parametrize("persona", [None, "pirna_coordinator", "dresden_police", "outsider", "administrator"])
def test_drafts_are_404_for_everyone_but_the_coordination_office(
        world: World, events: dict[str, Any], login: Any, client: Client, persona: str | None) -> None:
    browser = login(getattr(world, persona)) if persona else client
    for slug in ("entwurf", "verworfen", "gibt-es-nicht"):
        assert browser.get(reverse("events:event_detail", args=[slug])).status_code == 404


def test_the_coordinator_sees_drafts_and_the_management_panel(world: World, events: dict[str, Any],
                                                              login: Any) -> None:
    browser = login(world.coordinator)
    assert "Geheimer Entwurf" in browser.get(reverse("events:event_list")).content.decode()
    page = browser.get(reverse("events:event_detail", args=["entwurf"])).content.decode()
    assert "Veranstaltung veröffentlichen" in page and events["draft"].public_token in page


def test_the_public_page_does_not_reveal_the_registration_link(events: dict[str, Any], client: Client) -> None:
    page = client.get(reverse("events:event_detail", args=["veroeffentlicht"])).content.decode()
    assert events["published"].public_token not in page
    assert "Verwaltung" not in page


def test_both_navigation_entries_appear_for_the_right_people(world: World, login: Any, client: Client) -> None:
    events_url, mine_url = reverse("events:event_list"), reverse("events:my_events")
    anonymous = client.get(reverse("core:home")).content.decode()
    assert f'href="{events_url}"' in anonymous and f'href="{mine_url}"' not in anonymous
    assert f'href="{mine_url}"' in login(world.pirna_coordinator).get(reverse("core:home")).content.decode()
    outsider = Client()
    outsider.force_login(world.outsider)
    assert f'href="{mine_url}"' not in outsider.get(reverse("core:home")).content.decode()


def test_the_event_list_needs_a_fixed_number_of_queries(world: World, client: Client,
                                                       django_assert_max_num_queries: Any) -> None:
    for number in range(15):
        event = make_event(world, slug=f"treffen-{number}")
        services.register(actor=None, event=event, channel="public_link", first_name="A", last_name="B",
                          email=f"a{number}@example.org", attendee_role="mayor")
    with django_assert_max_num_queries(4):
        response = client.get(reverse("events:event_list"))
    assert len(response.context["upcoming"]) == 15
    assert "1 von 3" in response.content.decode()


def test_my_events_needs_a_fixed_number_of_queries(world: World, login: Any,
                                                   django_assert_max_num_queries: Any) -> None:
    for number in range(10):
        event = make_event(world, slug=f"treffen-{number}")
        services.invite(actor=world.coordinator, event=event, users=[world.pirna_coordinator])
    browser = login(world.pirna_coordinator)
    browser.get(reverse("events:my_events"))
    # Session, user, roles, second factor, permissions, site state: 11; the events and my registrations: 2.
    with django_assert_max_num_queries(13):
        response = browser.get(reverse("events:my_events"))
    assert len(response.context["events"]) == 10
