"""Name badges of an event's confirmed registrations as PDF, made in the background (decision 0024).

Laying out the sheets takes seconds; the operation renders the HTML (quick) and lays out a PDF only when
no PDF of the very same HTML is stored yet (core.downloads.stored_pdf): unchanged registrations are served
from the file made earlier, any new, cancelled or edited registration gives a new file.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kommunalschutz.alliance.events import selectors
from kommunalschutz.alliance.events.models import Event
from kommunalschutz.foundation.core import downloads
from kommunalschutz.foundation.core.models import TaskRun

BADGES_OPERATION = "events.badges"
BADGES_PER_PAGE = 8


def badges_html(event: Event) -> str:
    """Eight badges per A4 sheet: name, function, organisation and the event."""
    people = list(selectors.confirmed_for_badges(event))
    sheets = [people[i:i + BADGES_PER_PAGE] for i in range(0, len(people), BADGES_PER_PAGE)]
    return render_to_string("events/badges.html", {"event": event, "sheets": sheets})


def filename(event: Event) -> str:
    return f"namensschilder-{event.slug}.pdf"


def badges_operation(*, progress: Any, actor_id: int | None, event_id: int, language: str = "de") -> dict[str, Any]:
    """Make (or find unchanged) the badges and store them; downloaded by whoever asked for them, while they
    manage the event (views.badges_download)."""
    event = Event.objects.get(pk=event_id)
    with translation.override(language):
        progress.update(0, downloads.PDF_STEPS, _("the confirmed registrations are being put together"))
        return downloads.stored_pdf(progress=progress, html=badges_html(event), directory=f"events/badges/{event.pk}",
                                    stem=f"namensschilder-{event.pk}")


def start(*, actor: Any, event: Event) -> TaskRun:
    label = _("Name badges (PDF): %(title)s") % {"title": event.title}
    return downloads.start_once(actor=actor, kind=BADGES_OPERATION, label=label,
                                arguments={"event_id": event.pk, "language": translation.get_language() or "de"})


def latest(actor: Any, event: Event) -> TaskRun | None:
    return downloads.latest_task(actor, BADGES_OPERATION, event_id=event.pk)


def finished(actor: Any, event: Event, pk: int) -> TaskRun:
    return downloads.finished_task(actor, BADGES_OPERATION, pk, event_id=event.pk)
