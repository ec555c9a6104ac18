"""Pages of the officials' survey: the coordination office's waves, the municipalities' part of the frame,
the results, the review of free text, and the questionnaire itself (mounted under /umfrage/amt/)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.core.documents import table_download
from kommunalschutz.foundation.core.errors import messages_by_field
from kommunalschutz.foundation.core.throttle import VOLATILE, SlidingWindow, client_fingerprint, minutes
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.web.pages import form_page, request_user, save, submit
from kommunalschutz.surveys.officials import (
    answering,
    codes,
    darkfield,
    forms,
    frame,
    item_bank,
    letters,
    results,
    selectors,
    services,
)
from kommunalschutz.surveys.officials.models import FrameEntry, OpenLink, ResponseText, Wave
from kommunalschutz.surveys.officials.presentation import results_context, results_tables
from kommunalschutz.surveys.projects.logic import question_numbers
from kommunalschutz.surveys.responses import forms as answer_forms

# One form per page, laid out like the citizen survey's forms, with this survey's trail.
FORM_PAGE = "surveys/form.html"
TRAIL = "officials/_trail.html"

# --- the coordination office, the municipalities, the analysts ------------------------------------------


@login_required
def wave_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "officials.view_waves")
    return render(request, "officials/wave_list.html", {
        "waves": selectors.waves_for(user), "can_add": user.has_perm("officials.add_wave")})


def _wave(request: HttpRequest, pk: int, permission: str = "officials.view_wave") -> Wave:
    return get_for_user(request_user(request), Wave.objects.select_related("contractor"), permission, pk=pk)


@login_required
def wave_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "officials.add_wave")
    form = forms.WaveForm(request.POST or None)
    wave = submit(request, form, lambda: services.create_wave(actor=user, data=form.cleaned_data))
    if wave is not None:
        return redirect("officials:detail", wave.pk)
    return form_page(request, FORM_PAGE, form, trail=TRAIL, title=_("New wave of the officials' survey"),
                     back_url=reverse("officials:list"), submit=_("Create the wave"))


@login_required
def wave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    wave = _wave(request, pk)
    manage = user.has_perm("officials.manage_wave", wave)
    see_results = user.has_perm("officials.view_results", wave)
    return render(request, "officials/wave_detail.html", {
        "wave": wave, "manage": manage, "see_results": see_results,
        "frame": results.frame_summary(wave) if manage or see_results else [],
        "rates": results.response_rates(wave) if manage or see_results else None,
        "uploads": selectors.uploads(wave, user), "links": selectors.open_links(wave, user),
        "own_municipalities": selectors.own_municipalities(user).exists(),
        "can_review": user.has_perm("officials.review_texts", wave),
        "texts": selectors.text_counts(wave) if user.has_perm("officials.review_texts", wave) else None,
        "pending_letters": wave.frame.filter(used=False).filter(code_digest__isnull=False).count() if manage else 0,
        "next_wave": services.next_wave_data(wave),
    })


ACTIONS: dict[str, Callable[[Any, Wave], Any]] = {
    "registry": lambda actor, wave: services.add_registry_frame(actor=actor, wave=wave),
    "open": lambda actor, wave: services.open_field(actor=actor, wave=wave),
    "close": lambda actor, wave: services.close_wave(actor=actor, wave=wave),
    "next": lambda actor, wave: services.schedule_next_wave(actor=actor, wave=wave),
}


@login_required
@require_POST
def wave_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request_user(request)
    wave = _wave(request, pk, "officials.manage_wave")
    try:
        if action in ("letters", "reminders"):
            with transaction.atomic():  # a reminder round is counted only if its letters are queued
                if action == "reminders":
                    services.record_reminder(actor=user, wave=wave)
                run = letters.start_rendering(actor=user, wave=wave, reminder=action == "reminders")
            return redirect("core:task_detail", run.pk)
        if action not in ACTIONS:
            raise Http404
        outcome = ACTIONS[action](user, wave)
    except ValidationError as exc:
        return render(request, "officials/refused.html", {"wave": wave, "messages_": exc.messages}, status=400)
    if isinstance(outcome, Wave) and outcome.pk != wave.pk:
        return redirect("officials:detail", outcome.pk)
    return redirect("officials:detail", wave.pk)


@login_required
def head_role(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct whether a municipality's mayor is full-time or honorary (the registry gives the rule's answer)."""
    user = request_user(request)
    wave = _wave(request, pk, "officials.manage_wave")
    heads = wave.frame.filter(source=FrameEntry.Source.REGISTRY, municipality__isnull=False)
    form = forms.RoleForm(request.POST or None, municipalities=Municipality.objects.filter(
        pk__in=heads.values("municipality_id")))
    if request.method == "POST" and form.is_valid():
        entry = heads.get(municipality=form.cleaned_data["municipality"])
        if save(form, lambda: services.change_role(actor=user, entry=entry, role=form.cleaned_data["role"])):
            return redirect("officials:detail", wave.pk)
    return form_page(request, FORM_PAGE, form, trail=TRAIL, title=_("Full-time or honorary mayor"),
                     back_url=reverse("officials:detail", args=[wave.pk]), submit=_("Save the role"),
                     intro=_("The frame takes the rule of the municipal code: honorary below 5,000 inhabitants, "
                             "full-time from 5,000 on. Correct a municipality whose main statute differs."),
                     wave=wave)


def _municipality_form(request: HttpRequest, form_class: Any, **kwargs: Any) -> Any:
    municipalities = selectors.own_municipalities(request_user(request))
    if not municipalities.exists():
        raise PermissionDenied
    return form_class(request.POST or None, request.FILES or None, municipalities=municipalities, **kwargs)


@login_required
def list_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    wave = _wave(request, pk)
    form = _municipality_form(request, forms.ListUploadForm)
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        require_perm(user, "officials.manage_municipality_frame", municipality)
        upload = form.cleaned_data["file"]
        done = save(form, lambda: frame.import_list(actor=user, wave=wave, municipality=municipality,
                                                    data=upload.read(frame.MAX_BYTES + 1), file_name=upload.name))
        if done is not None:
            return redirect("officials:detail", wave.pk)
    return form_page(request, FORM_PAGE, form, trail=TRAIL, title=_("Upload a list of officials"),
                     back_url=reverse("officials:detail", args=[wave.pk]), submit=_("Check and import"),
                     intro=_("Council members, honorary officials and staff of a municipality, one per line. "
                             "The list is checked as a whole: if one line is wrong, nothing is imported."),
                     wave=wave, multipart=True)


@login_required
@require_POST
def list_remove(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    user = request_user(request)
    wave = _wave(request, pk)
    upload = get_object_or_404(wave.uploads.select_related("municipality"), pk=upload_pk)
    if not user.has_perm("officials.manage_municipality_frame", upload.municipality):
        raise Http404
    try:
        frame.remove_list(actor=user, upload=upload)
    except ValidationError as exc:
        return render(request, "officials/refused.html", {"wave": wave, "messages_": exc.messages}, status=400)
    return redirect("officials:detail", wave.pk)


@login_required
def link_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    wave = _wave(request, pk)
    form = _municipality_form(request, forms.OpenLinkForm)
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        require_perm(user, "officials.manage_municipality_frame", municipality)
        created = save(form, lambda: services.create_open_link(
            actor=user, wave=wave, municipality=municipality, role=form.cleaned_data["role"],
            addressed=form.cleaned_data["addressed"]))
        if created is not None:
            return redirect("officials:link", wave.pk, created[0].pk)
    return form_page(request, FORM_PAGE, form, trail=TRAIL, title=_("Open link for a group without a list"),
                     back_url=reverse("officials:detail", args=[wave.pk]), submit=_("Create the link"),
                     intro=_("Anyone holding the link can answer; the municipality forwards it to the group. "
                             "It accepts at most as many answers as persons are addressed."), wave=wave)


def _link(request: HttpRequest, wave: Wave, link_pk: int) -> OpenLink:
    link = get_object_or_404(wave.open_links.select_related("municipality"), pk=link_pk)
    if not request_user(request).has_perm("officials.manage_municipality_frame", link.municipality):
        raise Http404
    return link


@login_required
def link_detail(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    wave = _wave(request, pk)
    link = _link(request, wave, link_pk)
    url = request.build_absolute_uri(reverse("officials_answer:link", args=[link.token]))
    return render(request, "officials/link_detail.html", {"wave": wave, "link": link, "url": url})


@login_required
@require_POST
def link_revoke(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    wave = _wave(request, pk)
    services.revoke_open_link(actor=request_user(request), link=_link(request, wave, link_pk))
    return redirect("officials:detail", wave.pk)


@login_required
def wave_results(request: HttpRequest, pk: int) -> HttpResponse:
    wave = _wave(request, pk, "officials.view_results")
    computed = results.compute(wave)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        tables = results_tables(computed, darkfield.dark_field(wave, computed))
        name = request.GET.get("table", "")
        if name not in tables:
            raise Http404
        headers, rows = tables[name]
        return table_download(fmt, headers, rows, basename=f"amtstraeger-befragung-{wave.pk}-{name}")
    return render(request, "officials/results.html", results_context(wave, computed))


@login_required
@require_http_methods(["GET", "POST"])
def texts_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    wave = _wave(request, pk, "officials.review_texts")
    if request.method == "POST":
        try:
            text_id = uuid.UUID(str(request.POST.get("text") or ""))
        except ValueError as exc:
            raise Http404 from exc
        text = get_object_or_404(wave.texts.all(), pk=text_id)
        form = forms.ReviewForm(request.POST)
        if form.is_valid():
            services.review_text(actor=user, text=text, decision=form.cleaned_data["decision"])
            return redirect("officials:texts", wave.pk)
        return render(request, "officials/refused.html",
                      {"wave": wave, "messages_": [_("Choose release or withhold.")]}, status=400)
    return render(request, "officials/texts.html", {
        "wave": wave, "pending": selectors.texts_to_review(wave)[:50], "counts": selectors.text_counts(wave),
        "released": selectors.released_texts(wave)[:200], "labels": dict(ResponseText.Review.choices)})


# --- the questionnaire ---------------------------------------------------------------------------------

def _code_window() -> SlidingWindow:
    from django.conf import settings

    return SlidingWindow("officials:code-throttle", settings.SURVEY_CODE_ATTEMPTS,
                         settings.SURVEY_CODE_WINDOW_SECONDS, alias=VOLATILE)


LINK_ANSWERS_PER_CLIENT = 3  # answers per client and link within LINK_WINDOW_SECONDS
LINK_WINDOW_SECONDS = 3600


def _link_window() -> SlidingWindow:
    return SlidingWindow("officials:link-throttle", LINK_ANSWERS_PER_CLIENT, LINK_WINDOW_SECONDS, alias=VOLATILE)


FOLLOW_UPS = frozenset(entry.key for entry in item_bank.ITEMS if entry.extra.get("shown_if_any"))


def _questionnaire_page(request: HttpRequest, wave: Wave, *, action: str, hidden: dict[str, str],
                        form: answer_forms.PageForm | None = None, errors: dict[str, list[str]] | None = None,
                        status: int = 200, context: dict[str, Any] | None = None) -> HttpResponse:
    """The whole questionnaire on one page, grouped by block; ``form`` is the posted one (with its errors)."""
    items = answering.questionnaire_of(wave)
    if form is None:
        form = answer_forms.PageForm(None, items=items, language="de")
    elif errors:
        for code, problems in errors.items():
            for problem in problems:
                form.add_error(code if code in form.fields else None, problem)
    numbers = question_numbers(items)
    blocks: list[dict[str, Any]] = []
    for question in answer_forms.questions(form, "de", numbers, {}):
        block = question.item.block
        if not blocks or blocks[-1]["key"] != block:
            blocks.append({"key": block, "title": item_bank.BLOCK_TITLES[block], "questions": []})
        if question.item.code in FOLLOW_UPS:
            question.condition = _("Only if you answered yes at least once in questions 1 to 6.")
        blocks[-1]["questions"].append(question)
    return render(request, "officials/answer_form.html", {
        "wave": wave, "blocks": blocks, "action": action, "hidden": hidden, "form": form,
        "has_errors": form.is_bound and bool(form.errors),
        "period": item_bank.period_text(wave.reference_start, wave.reference_end), **(context or {})},
        status=status)


def _posted(request: HttpRequest, wave: Wave) -> tuple[answer_forms.PageForm, dict[str, Any] | None]:
    """The posted questionnaire as a form and its answers (None when the form itself has errors)."""
    form = answer_forms.PageForm(request.POST, items=answering.questionnaire_of(wave), language="de")
    return form, (form.answers() if form.is_valid() else None)


@never_cache
@require_http_methods(["GET", "POST"])
def answer_start(request: HttpRequest) -> HttpResponse:
    form = forms.CodeForm(request.POST or None)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        window = _code_window()
        fingerprint = client_fingerprint(request, "officials-code")
        wait = window.seconds_locked(fingerprint)
        if wait:
            refusal = _("Too many attempts with wrong codes. Please try again in %(minutes)s minutes.") % {
                "minutes": minutes(wait)}
        else:
            entry = answering.entry_for_code(form.cleaned_data["code"])
            if entry is not None:
                code = codes.normalise(form.cleaned_data["code"]) or ""
                return _questionnaire_page(request, entry.wave, action=reverse("officials_answer:submit"),
                                           hidden={"code": code})
            window.claim(fingerprint)
            refusal = answering.generic_refusal()
    return render(request, "officials/answer_start.html", {"form": form, "refusal": refusal},
                  status=400 if refusal or form.errors else 200)


@never_cache
@require_POST
def answer_submit(request: HttpRequest) -> HttpResponse:
    code = str(request.POST.get("code") or "")
    entry = answering.entry_for_code(code)
    if entry is None:
        return render(request, "officials/answer_start.html",
                      {"form": forms.CodeForm(), "refusal": answering.generic_refusal()}, status=400)
    form, answers = _posted(request, entry.wave)
    errors: dict[str, list[str]] = {}
    if answers is not None:
        try:
            answering.submit_with_code(code=code, answers=answers)
        except ValidationError as exc:
            errors = messages_by_field(exc)
        else:
            return redirect("officials_answer:done")
    return _questionnaire_page(request, entry.wave, action=reverse("officials_answer:submit"),
                               hidden={"code": code}, form=form, errors=errors, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def answer_link(request: HttpRequest, token: str) -> HttpResponse:
    link = answering.link_for_token(token)
    if link is None:
        return render(request, "officials/answer_start.html", {
            "form": forms.CodeForm(), "refusal": _("This link cannot be used: it is unknown, revoked, or the survey "
                                                   "is not running at the moment.")}, status=404)
    context = {"link": link}
    if request.method == "GET":
        return _questionnaire_page(request, link.wave, action=request.path, hidden={}, context=context)
    window = _link_window()
    fingerprint = client_fingerprint(request, f"officials-link:{link.pk}")
    form, answers = _posted(request, link.wave)
    wait = window.seconds_locked(fingerprint)
    if wait:
        form.is_valid()
        errors = {"__all__": [_("Several answers have come from your connection already. Please try again in "
                                "%(minutes)s minutes.") % {"minutes": minutes(wait)}]}
        return _questionnaire_page(request, link.wave, action=request.path, hidden={}, form=form, errors=errors,
                                   status=429, context=context)
    errors = {}
    if answers is not None:
        try:
            answering.submit_with_link(token=token, answers=answers)
        except ValidationError as exc:
            errors = messages_by_field(exc)
        else:
            window.claim(fingerprint)
            return redirect("officials_answer:done")
    return _questionnaire_page(request, link.wave, action=request.path, hidden={}, form=form, errors=errors,
                               status=400, context=context)


@never_cache
def answer_done(request: HttpRequest) -> HttpResponse:
    return render(request, "officials/answer_done.html", {})
