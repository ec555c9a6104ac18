"""Event seats and the waiting list: parallel registrations take exactly the free seats, first come first
served; one live registration per e-mail address."""

from __future__ import annotations

import pytest

from kommunalschutz.alliance.events import services
from kommunalschutz.alliance.events.models import Registration
from tests.alliance.events.conftest import make_event, register_public
from tests.concurrency.conftest import refusals, results, run_together, successes
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_people_for_the_last_three_seats(world: World) -> None:
    event = make_event(world, capacity=5)
    register_public(event, 100)
    register_public(event, 101)

    registrations = [registration for registration, _token in
                     results(run_together(lambda i: register_public(event, i)))]

    rows = list(Registration.objects.filter(event=event).order_by("registered_at", "pk"))
    confirmed = [row for row in rows if row.status == Registration.Status.CONFIRMED]
    waiting = [row for row in rows if row.status == Registration.Status.WAITLISTED]
    assert len(rows) == 10 and len(confirmed) == 5 and len(waiting) == 5
    assert {row.pk for row in waiting} <= {registration.pk for registration in registrations}
    # First come, first served: nobody on the waiting list registered before someone who got a seat.
    assert max(row.registered_at for row in confirmed) <= min(row.registered_at for row in waiting)
    # The waiting list is in the order the seats were refused (the primary key is the order of insertion).
    assert [row.pk for row in waiting] == sorted(row.pk for row in waiting)

    promoted = services.cancel_registration(actor=None, registration=confirmed[0])
    assert promoted is not None and promoted.pk == waiting[0].pk


def test_parallel_cancellations_give_each_freed_seat_to_the_next_in_line_once(world: World) -> None:
    event = make_event(world, capacity=4)
    seated = [register_public(event, i)[0] for i in range(4)]
    waiting = [register_public(event, 10 + i)[0] for i in range(6)]

    promoted = results(run_together(lambda i: services.cancel_registration(actor=None, registration=seated[i]), 4))

    assert sorted(row.pk for row in promoted if row is not None) == [row.pk for row in waiting[:4]]
    statuses = dict(Registration.objects.filter(event=event).values_list("pk", "status"))
    assert [statuses[row.pk] for row in waiting] == ["confirmed"] * 4 + ["waitlisted"] * 2
    assert Registration.objects.filter(event=event, status="confirmed").count() == 4


def test_one_address_registers_once_however_often_it_is_sent(world: World) -> None:
    event = make_event(world, capacity=20)

    outcomes = run_together(lambda _i: register_public(event, 7))

    assert len(successes(outcomes)) == 1
    refused = refusals(outcomes, "email")
    assert len(refused) == 7
    assert all("bereits eine Anmeldung für diese Veranstaltung vorhanden" in message for message in refused), refused
    assert Registration.objects.filter(event=event).count() == 1
