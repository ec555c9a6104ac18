"""Pages of the events app (thin: lookups in selectors, writes in services).

Public: the event list, published event pages, registration through the public link and the
cancel link. Invited people with a role: "My events". The coordination office: everything else.
Whoever may not see an event gets 404, whether it exists or not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.alliance.events import badges as badge_sheets
from kommunalschutz.alliance.events import forms, selectors, services
from kommunalschutz.alliance.events.models import Event, Registration
from kommunalschutz.foundation.core import documents, downloads
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.core.forms import add_service_errors
from kommunalschutz.foundation.core.throttle import SlidingWindow, client_address, minutes
from kommunalschutz.foundation.web.pages import request_user

ATTENDEE_PAGE_SIZE = 100


def _registration_window() -> SlidingWindow:
    """Public registrations per client address: the login's limit and window (read when used)."""
    return SlidingWindow("events:public-registration", settings.LOGIN_THROTTLE_ATTEMPTS,
                         settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _managed_event(request: HttpRequest, slug: str) -> Event:
    require_perm(request.user, "events.manage_events")
    event = selectors.event_for(request.user, slug)
    if event is None:
        raise Http404
    return event


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# --- Public pages -------------------------------------------------------------------------------------


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    lists = selectors.event_lists(request.user)
    return render(request, "events/event_list.html", {
        "upcoming": lists.upcoming, "past": lists.past, "can_manage": selectors.can_manage(request.user),
    })


@require_GET
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for(request.user, slug)
    if event is None:
        raise Http404
    can_manage = selectors.can_manage(request.user)
    may_register = request.user.has_perm("events.register") and selectors.is_invited(request.user, event)
    context: dict[str, Any] = {
        "event": event, "can_manage": can_manage, "may_register": may_register,
        "my_registration": selectors.live_registration_of(request.user, event) if may_register else None,
        "registration_closed": services.registration_window_error(event),
        "can_cancel": timezone.now() < event.starts_at,
        "free_seats": max(0, event.capacity - event.confirmed_count),  # type: ignore[attr-defined]
    }
    if can_manage:
        context["public_link"] = request.build_absolute_uri(
            reverse("events:public_register", args=[event.slug, event.public_token]))
        context["invitations"] = list(selectors.invitations(event))
    return render(request, "events/event_detail.html", context)


def _render_registration_form(request: HttpRequest, event: Event, form: forms.RegistrationForm, *,
                              action: str, public: bool, status: int = 200) -> HttpResponse:
    return render(request, "events/registration_form.html", {
        "event": event, "form": form, "action": action, "public": public,
        "registration_closed": services.registration_window_error(event),
    }, status=status)


@require_http_methods(["GET", "POST"])
def public_register(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """Registration without an account, through the link the office hands out (wrong token: 404)."""
    event = selectors.public_registration_event(slug, token)
    if event is None:
        raise Http404
    action = reverse("events:public_register", args=[slug, token])
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        window = _registration_window()
        address = client_address(request)
        seconds = window.seconds_locked(address)
        if seconds is not None:
            form.add_error(None, _("Too many registrations have been sent from your network. Please try again in "
                                   "%(minutes)d minutes.") % {"minutes": minutes(seconds)})
            return _render_registration_form(request, event, form, action=action, public=True, status=429)
        data = form.cleaned_data
        try:
            registration, _token = services.register(
                actor=None, event=event, channel=Registration.Channel.PUBLIC_LINK, consent=data["consent"],
                first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
                organisation_name=data["organisation_name"], function=data["function"],
                attendee_role=data["attendee_role"], site_url=_site_url(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            window.claim(address)
            return render(request, "events/registration_done.html", {"event": event, "registration": registration})
    return _render_registration_form(request, event, form, action=action, public=True,
                                     status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def public_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed cancel link. GET asks (mail scanners open links), POST cancels; then the link is spent."""
    registration = selectors.registration_by_cancel_token(token)
    if registration is None:
        raise Http404
    if request.method == "POST":
        try:
            services.cancel_by_token(token=token, site_url=_site_url(request))
        except ValidationError as exc:
            return render(request, "events/public_cancel.html", {
                "registration": registration, "event": registration.event, "errors": exc.messages,
            }, status=400)
        return render(request, "events/public_cancel_done.html", {"event": registration.event})
    return render(request, "events/public_cancel.html", {"registration": registration, "event": registration.event})


# --- My events (people with a role) -------------------------------------------------------------------


@login_required
@require_GET
def my_events(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "events.register")
    now = timezone.now()
    return render(request, "events/my_events.html", {"events": selectors.my_events(request.user), "now": now})


def _invited_event(request: HttpRequest, slug: str) -> Event:
    require_perm(request.user, "events.register")
    event = selectors.event_for(request.user, slug)
    if event is None or not selectors.is_invited(request.user, event):
        raise Http404
    return event


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    """An invited user registers themselves (their account's e-mail address is used)."""
    event = _invited_event(request, slug)
    user = request_user(request)
    if selectors.live_registration_of(user, event) is not None:
        messages.info(request, _("You are already registered for this event."))
        return redirect("events:my_events")
    membership = user.memberships.select_related("organisation").order_by("pk").first()
    form = forms.RegistrationForm(request.POST or None, with_email=False, initial={
        "first_name": user.first_name, "last_name": user.last_name,
        "organisation_name": membership.organisation.name if membership else "",
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration, _token = services.register(
                actor=user, event=event, user=user, channel=Registration.Channel.INVITATION,
                consent=data["consent"], first_name=data["first_name"], last_name=data["last_name"],
                email=user.email, organisation_name=data["organisation_name"], function=data["function"],
                attendee_role=data["attendee_role"], site_url=_site_url(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "events/registration_done.html", {"event": event, "registration": registration})
    return _render_registration_form(request, event, form, action=reverse("events:register", args=[slug]),
                                     public=False, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_my_registration(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request.user, "events.register")
    event = selectors.event_for(request.user, slug)
    registration = selectors.live_registration_of(request.user, event) if event else None
    if event is None or registration is None:
        raise Http404
    if request.method == "POST":
        try:
            services.cancel_registration(actor=request_user(request), registration=registration,
                                         site_url=_site_url(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your registration for “%(event)s” has been cancelled.") % {"event": event})
        return redirect("events:my_events")
    return render(request, "events/confirm.html", {
        "title": _("Cancel registration"),
        "question": _("Cancel your registration for “%(event)s”? Your seat goes to the next person on the "
                      "waiting list.") % {"event": event},
        "button": _("Cancel registration"), "cancel_url": reverse("events:my_events"), "danger": True,
    })


# --- Management (coordination office) -----------------------------------------------------------------


def _event_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"], "kind": data["kind"], "venue": data["venue"], "starts_at": data["starts_at"],
        "ends_at": data["ends_at"], "capacity": data["capacity"], "description": data["description"],
        "registration_closes_at": data["registration_closes_at"],
        "public_registration": data["public_registration"], "organiser": data["organiser"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "events.manage_events")
    form = forms.EventForm(request.POST or None, initial={"capacity": 100})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(actor=request_user(request), slug=form.cleaned_data["slug"],
                                          **_event_values(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The event has been created as a draft. Publish it when it is ready."))
            return redirect("events:event_detail", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = _managed_event(request, slug)
    form = forms.EventForm(request.POST or None, editing=True, initial={
        "title": event.title, "kind": event.kind, "venue": event.venue,
        "starts_at": timezone.localtime(event.starts_at), "ends_at": timezone.localtime(event.ends_at),
        "capacity": event.capacity, "description": event.description,
        "registration_closes_at": timezone.localtime(event.registration_closes_at)
        if event.registration_closes_at else None,
        "public_registration": event.public_registration, "organiser": event.organiser,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(actor=request_user(request), event=event, site_url=_site_url(request),
                                  source_url=event.source_url, **_event_values(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The event has been saved."))
            return redirect("events:event_detail", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": event},
                  status=400 if form.errors else 200)


def _confirm_action(request: HttpRequest, slug: str, *, title: str, question: str, button: str,
                    action: Any, done: str, danger: bool = False) -> HttpResponse:
    event = _managed_event(request, slug)
    back = reverse("events:event_detail", args=[event.slug])
    if request.method == "POST":
        try:
            action(event)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return redirect(back)
    return render(request, "events/confirm.html", {
        "title": title, "question": question % {"event": event}, "button": button, "cancel_url": back,
        "danger": danger,
    })


@login_required
@require_http_methods(["GET", "POST"])
def event_publish(request: HttpRequest, slug: str) -> HttpResponse:
    return _confirm_action(
        request, slug, title=_("Publish event"), button=_("Publish"),
        question=_("Publish “%(event)s”? Its page becomes public and invited people receive an e-mail."),
        action=lambda event: services.publish_event(actor=request_user(request), event=event,
                                                    site_url=_site_url(request)),
        done=_("The event has been published."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    return _confirm_action(
        request, slug, title=_("Cancel event"), button=_("Cancel event"),
        question=_("Cancel “%(event)s”? Nobody can register any more and everyone registered or waiting "
                   "receives an e-mail. This cannot be undone."),
        action=lambda event: services.cancel_event(actor=request_user(request), event=event,
                                                   site_url=_site_url(request)),
        done=_("The event has been cancelled."), danger=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def regenerate_link(request: HttpRequest, slug: str) -> HttpResponse:
    return _confirm_action(
        request, slug, title=_("New public link"), button=_("Make a new link"),
        question=_("Make a new public registration link for “%(event)s”? The current link stops working at "
                   "once; registrations made through it stay valid."),
        action=lambda event: services.regenerate_public_link(actor=request_user(request), event=event),
        done=_("The public link has been replaced. Hand out the new one."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    event = _managed_event(request, slug)
    search = forms.InviteSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.invite(actor=request_user(request), event=event, users=form.cleaned_data["users"],
                                      site_url=_site_url(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, ngettext("%(count)d person has been invited.",
                                               "%(count)d people have been invited.", len(created))
                             % {"count": len(created)})
            return redirect("events:invite", slug=event.slug)
    invited = {invitation.user_id for invitation in selectors.invitations(event)}
    return render(request, "events/invite.html", {
        "event": event, "search": search, "form": form, "q": q, "searched": bool(q),
        "candidates": list(selectors.invitable_users(q)) if q else [], "invited_ids": invited,
        "invitations": list(selectors.invitations(event)),
    }, status=400 if form.errors else 200)


def _filters(request: HttpRequest) -> tuple[forms.AttendeeFilterForm, dict[str, str]]:
    form = forms.AttendeeFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    return form, {key: values.get(key) or "" for key in ("q", "status", "role", "attended")}


@login_required
@require_GET
def attendee_list(request: HttpRequest, slug: str) -> HttpResponse:
    event = _managed_event(request, slug)
    form, filters = _filters(request)
    page = Paginator(selectors.attendees(event, **filters), ATTENDEE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows, total = selectors.attendance_by_role(event)
    return render(request, "events/attendee_list.html", {
        "event": event, "form": form, "page": page, "role_rows": rows, "role_total": total,
        "query": request.GET.urlencode(), "attendance_open": timezone.localdate() >= timezone.localdate(
            event.starts_at),
    })


@login_required
@require_GET
def attendee_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    event = _managed_event(request, slug)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, filters = _filters(request)
    headers = [_("Last name"), _("First name"), _("E-mail address"), _("Organisation"), _("Function"),
               _("Attending as"), _("Status"), _("Registered through"), _("Registered at"), _("Attended")]
    rows = [
        [r.last_name, r.first_name, r.email, r.organisation_name, r.function, r.get_attendee_role_display(),
         r.get_status_display(), r.get_channel_display(),
         timezone.localtime(r.registered_at).strftime("%d.%m.%Y %H:%M"), _("yes") if r.attended else _("no")]
        for r in selectors.attendees(event, **filters)
    ]
    return documents.table_download(fmt, headers, rows, basename=f"teilnehmende-{event.slug}")


@login_required
@require_http_methods(["GET", "POST"])
def badges(request: HttpRequest, slug: str) -> HttpResponse:
    """Name badges of the confirmed registrations, eight per A4 sheet: a POST queues them (decision 0024),
    the page shows the progress and then the download of the person's own newest badges of this event."""
    event = _managed_event(request, slug)
    user = request_user(request)
    page = reverse("events:badges", args=[event.slug])
    if request.method == "POST":
        badge_sheets.start(actor=user, event=event)
        return redirect(page)
    run = badge_sheets.latest(user, event)
    download_url = (reverse("events:badges_download", args=[event.slug, run.pk])
                    if run is not None and run.status == run.Status.DONE else "")
    context = {"event": event, "run": run, "page_url": page, "download_url": download_url}
    if request.headers.get("HX-Request") and run is not None:
        return render(request, "core/_task_progress.html", {**context, "poll_url": page, "reload_url": page})
    return render(request, "events/badges_task.html", context)


@login_required
@require_GET
def badges_download(request: HttpRequest, slug: str, run_pk: int) -> HttpResponseBase:
    """The stored badges, for the person who asked for them while they manage the event (else 404)."""
    event = _managed_event(request, slug)
    run = badge_sheets.finished(request_user(request), event, run_pk)
    return downloads.stored_file_response(run, badge_sheets.filename(event))


@login_required
@require_POST
def attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _managed_event(request, slug)
    registration = Registration.objects.filter(event=event, pk=pk).first()
    if registration is None:
        raise Http404
    registration.event = event
    attended = request.POST.get("attended") == "yes"
    try:
        services.mark_attendance(actor=request_user(request), registration=registration, attended=attended)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, (_("%(person)s: attended.") if attended else _("%(person)s: did not attend."))
                         % {"person": registration})
    return redirect(_back(request, reverse("events:attendee_list", args=[event.slug])))
