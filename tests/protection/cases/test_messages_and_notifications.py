"""Messages between the case team and the reporter, internal notes, and the in-app notifications."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.protection.cases import case_tasks, case_team, inbox, messaging, services, workflow
from kommunalschutz.protection.cases.models import CaseMessage, Notification
from tests.conftest import World
from tests.protection.cases.conftest import Cases

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_in_a_message_is_shown_inert(world: World, cases: Cases, login: Any) -> None:
    messaging.post_message(actor=world.coordinator, case=cases.reported, body=SCRIPT)
    for user in (world.coordinator, world.pirna_official):
        html = login(user).get(reverse("cases:case_detail", args=[cases.reported.pk])).content.decode()
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_reporter_sees_no_internal_notes_and_no_team_internals(world: World, cases: Cases, login: Any,
                                                                    client: Any, bearer: Any) -> None:
    case = cases.reported
    messaging.post_message(actor=world.coordinator, case=case, body="Interne Einschätzung: Täter bekannt",
                           internal=True)
    messaging.post_message(actor=world.coordinator, case=case, body="Können Sie uns den Brief schicken?",
                           is_question=True)
    case_tasks.add_task(actor=world.coordinator, case=case, title="Geheime Aufgabe",
                        due_on=timezone.localdate())
    html = login(world.pirna_official).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Können Sie uns den Brief schicken?" in html
    assert "Interne Einschätzung" not in html and "Geheime Aufgabe" not in html
    assert reverse("cases:case_close", args=[case.pk]) not in html
    data = client.get(f"/api/v1/cases/{case.pk}", **bearer(world.pirna_official)).json()
    assert data["team_view"] is False and data["tasks"] == [] and data["events"] == [] and data["team"] == []
    assert [m["body"] for m in data["messages"]] == ["Können Sie uns den Brief schicken?"]
    assert data["messages"][0]["author"] is None
    listed = client.get(f"/api/v1/cases/{case.pk}/messages", **bearer(world.pirna_official)).json()
    assert len(listed) == 1
    # The team sees both.
    team = client.get(f"/api/v1/cases/{case.pk}/messages", **bearer(world.dresden_police)).json()
    assert len(team) == 2


def test_the_reporter_is_notified_and_unread_counts_in_my_reports(world: World, cases: Cases, login: Any) -> None:
    case = cases.reported
    messaging.post_message(actor=world.coordinator, case=case, body="Wir melden uns morgen.")
    messaging.post_message(actor=world.coordinator, case=case, body="Notiz", internal=True)
    assert Notification.objects.filter(user=world.pirna_official, case=case).count() == 1
    web = login(world.pirna_official)
    listing = web.get(reverse("cases:my_reports"))
    assert listing.context["page"][0].unread_count == 1
    web.get(reverse("cases:case_detail", args=[case.pk]))
    assert web.get(reverse("cases:my_reports")).context["page"][0].unread_count == 0
    assert CaseMessage.objects.get(case=case, internal=False).read_by_reporter_at is not None


def test_a_reporter_reply_notifies_the_team_by_mail_without_content(world: World, cases: Cases, login: Any) -> None:
    secret = "Der Nachbar Herr Beispiel war es"
    response = login(world.pirna_official).post(reverse("cases:case_reply", args=[cases.reported.pk]),
                                                {"reply-body": secret})
    assert response.status_code == 302
    message = CaseMessage.objects.get(case=cases.reported)
    assert message.from_reporter and not message.internal
    notified = set(Notification.objects.filter(case=cases.reported).values_list("user__username", flat=True))
    assert notified == {"coordinator", "dresden_police"}
    assert {m.to[0] for m in mail.outbox} == {world.coordinator.email, world.dresden_police.email}
    for sent in mail.outbox:
        assert secret not in sent.body and secret not in sent.subject
        assert cases.reported.reference in sent.subject


def test_an_empty_reply_is_refused_at_the_field(world: World, cases: Cases, login: Any) -> None:
    response = login(world.pirna_official).post(reverse("cases:case_reply", args=[cases.reported.pk]),
                                                {"reply-body": "   "})
    assert response.status_code == 400
    assert 'id="id_reply-body_error"' in response.content.decode()
    assert not CaseMessage.objects.exists()


def test_internal_note_cannot_be_a_question(world: World, cases: Cases, client: Any, bearer: Any) -> None:
    response = client.post(f"/api/v1/cases/{cases.reported.pk}/messages", data={"body": "x", "kind": "secret"},
                           content_type="application/json", **bearer(world.coordinator))
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    assert not CaseMessage.objects.exists()


def test_notifications_unread_first_mark_read_and_follow(world: World, cases: Cases, login: Any) -> None:
    old = services.notify([world.dresden_police], cases.reported, "Alt", "")[0]
    inbox.mark_notification_read(user=world.dresden_police, notification=old)
    new = services.notify([world.dresden_police], cases.reported, "Neu", "")[0]
    web = login(world.dresden_police)
    page = web.get(reverse("cases:notifications"))
    assert [n.pk for n in page.context["page"]] == [new.pk, old.pk]
    follow = web.get(reverse("cases:notification_open", args=[new.pk]))
    assert follow.status_code == 302 and follow["Location"] == reverse("cases:case_detail", args=[cases.reported.pk])
    assert Notification.objects.get(pk=new.pk).read_at is not None
    # Someone else's notification: 404.
    foreign = services.notify([world.coordinator], cases.reported, "Fremd", "")[0]
    assert web.get(reverse("cases:notification_open", args=[foreign.pk])).status_code == 404
    assert web.post(reverse("cases:notification_read", args=[foreign.pk])).status_code == 404
    services.notify([world.dresden_police], cases.reported, "Noch eine", "")
    web.post(reverse("cases:notifications_read_all"))
    assert not Notification.objects.filter(user=world.dresden_police, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=foreign.pk).read_at is None


def test_a_notification_of_a_case_no_longer_visible_answers_404(world: World, cases: Cases, login: Any) -> None:
    note = services.notify([world.coordinator], cases.queue, "Neuer Fall", "")[0]
    workflow.acknowledge(actor=world.coordinator, case=cases.queue)
    case_team.assign_owner(actor=world.coordinator, case=cases.queue, owner=world.lka_officer)
    # The coordinator handed the case on: it left their sight.
    response = login(world.coordinator).get(reverse("cases:notification_open", args=[note.pk]))
    assert response.status_code == 404


def test_reading_the_teams_messages_is_recorded_once(world: World, cases: Cases, login: Any) -> None:
    from kommunalschutz.foundation.core.models import AuditEvent

    case = cases.reported
    message = messaging.post_message(actor=world.coordinator, case=case, body="Wir melden uns morgen.")
    client = login(world.pirna_official)
    client.get(reverse("cases:case_detail", args=[case.pk]))
    client.get(reverse("cases:case_detail", args=[case.pk]))
    message.refresh_from_db()
    assert message.read_by_reporter_at is not None
    reads = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk),
                                      summary="reporter read 1 message(s)")
    assert [event.actor_id for event in reads] == [world.pirna_official.pk]
