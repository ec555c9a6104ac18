"""Pages of the responses app: the public online questionnaire (no login; the access code is the
credential) and the keyboard entry of returned paper forms (project team only).

Online: after a correct code the session holds only the member's id (never the code). Every page
re-checks that the member may still answer (field period, not submitted), so a session outliving the
field period or a submission from another device ends cleanly. The questionnaire's language is the
respondent's choice (``?sprache=en``), kept in the session and in the response.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kommunalschutz.foundation.core.access import get_for_user
from kommunalschutz.foundation.core.errors import messages_by_field
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.surveys.projects.logic import question_numbers
from kommunalschutz.surveys.projects.models import Item, SurveyProject
from kommunalschutz.surveys.responses import forms, online, paper, selectors, simulation, throttle
from kommunalschutz.surveys.responses.validation import describe_allowed, prune_hidden, visible_items
from kommunalschutz.surveys.sampling.models import SampleMember
from kommunalschutz.surveys.sampling.selectors import practice_project_for

MEMBER_KEY = "responses_member"
LANGUAGE_KEY = "responses_language"
DONE_KEY = "responses_done"
ENTER = "responses.enter_responses"


# --- online ----------------------------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("sprache")
    if chosen in ("de", "en"):
        request.session[LANGUAGE_KEY] = chosen
    language = request.session.get(LANGUAGE_KEY, "de")
    return language if language in ("de", "en") else "de"


def _render(request: HttpRequest, template: str, context: dict[str, Any], language: str,
            status: int = 200) -> HttpResponse:
    with translation.override(language):
        context = {**context, "survey_language": language, "other_language": "en" if language == "de" else "de"}
        return render(request, template, context, status=status)


def _member(request: HttpRequest) -> SampleMember | None:
    member = selectors.online_member(request.session.get(MEMBER_KEY))
    if member is None:
        request.session.pop(MEMBER_KEY, None)
    return member


def _refused(request: HttpRequest) -> HttpResponse:
    messages.error(request, online.generic_refusal())
    return redirect("responses:start")


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Enter the access code (prefilled from ?code= of the letter's QR code)."""
    language = _language(request)
    with translation.override(language):
        form = forms.CodeForm(request.POST if request.method == "POST" else None,
                              initial={"code": request.GET.get("code", "")[:40]})
        refusal = ""
        status = 200
        if request.method == "POST":
            wait = throttle.retry_after(request)
            if wait is not None:
                refusal = _("Too many attempts. Please try again in %(minutes)d minutes.") % {
                    "minutes": throttle.minutes(wait)}
                status = 429
            elif form.is_valid():
                member = selectors.member_for_code(form.cleaned_data["code"])
                if member is not None:
                    request.session.cycle_key()
                    request.session[MEMBER_KEY] = member.pk
                    request.session.pop(DONE_KEY, None)
                    return redirect("responses:resume")
                throttle.register_failure(request)
                refusal, status = online.generic_refusal(), 400
            else:
                status = 400
    # The language switch keeps a code that came with the letter's link.
    letter_code = request.GET.get("code", "")[:40]
    return _render(request, "responses/start.html", {"form": form, "refusal": refusal, "letter_code": letter_code},
                   language, status)


def _state(member: SampleMember) -> tuple[Any, list[Item], dict[str, Any]]:
    response = selectors.online_response(member)
    questionnaire = response.questionnaire if response else selectors.current_questionnaire(member.sample.project)
    assert questionnaire is not None  # online_member checked it
    return questionnaire, selectors.items_of(questionnaire), dict(response.answers) if response else {}


@never_cache
def resume(request: HttpRequest) -> HttpResponse:
    """Continue where the respondent left off: the first page without any answer."""
    member = _member(request)
    if member is None:
        return _refused(request)
    _questionnaire, items, answers = _state(member)
    page_list = selectors.pages(items, answers)
    if answers and all(any(i.code in answers for i in p.items) for p in page_list):
        return redirect("responses:submit")
    return redirect("responses:page", number=selectors.resume_page(page_list, answers))


@never_cache
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, number: int) -> HttpResponse:
    member = _member(request)
    if member is None:
        return _refused(request)
    language = _language(request)
    questionnaire, items, answers = _state(member)
    page_list = selectors.pages(items, answers)
    if not page_list:
        return redirect("responses:submit")
    if not 1 <= number <= len(page_list):
        return redirect("responses:page", number=min(max(number, 1), len(page_list)))
    current = page_list[number - 1]
    with translation.override(language):
        form = forms.PageForm(request.POST if request.method == "POST" else None, items=current.items,
                              language=language)
        if request.method == "POST" and form.is_valid():
            try:
                response = online.save_online_page(member=member, page_items=current.items,
                                                     page_answers=form.answers(), language=language)
            except ValidationError as exc:
                for code, problems in messages_by_field(exc).items():
                    for problem in problems:
                        form.add_error(code if code in form.fields else None, problem)
            else:
                new_pages = selectors.pages(items, dict(response.answers))
                if request.POST.get("action") == "back":
                    return redirect("responses:page", number=max(1, number - 1))
                if number >= len(new_pages):
                    return redirect("responses:submit")
                return redirect("responses:page", number=number + 1)
        numbers = question_numbers(items)
        context = {
            "questionnaire": questionnaire, "page": current, "page_count": len(page_list), "form": form,
            "questions": forms.questions(form, language, numbers, answers),
            "title": (questionnaire.title_en if language == "en" and questionnaire.title_en
                      else questionnaire.title_de),
            "intro": (questionnaire.intro_en if language == "en" and questionnaire.intro_en
                      else questionnaire.intro_de) if number == 1 else "",
            "progress_percent": round(100 * (number - 1) / len(page_list)),
        }
    return _render(request, "responses/page.html", context, language, 400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Review how much is answered, then submit once."""
    member = _member(request)
    if member is None:
        if request.session.get(DONE_KEY):
            return redirect("responses:done")
        return _refused(request)
    language = _language(request)
    questionnaire, items, answers = _state(member)
    page_list = selectors.pages(items, answers)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if request.POST.get("action") == "back":
            return redirect("responses:page", number=max(1, len(page_list)))
        with translation.override(language):
            try:
                online.submit_online(member=member, language=language)
            except ValidationError as exc:
                errors = messages_by_field(exc)
            else:
                request.session.pop(MEMBER_KEY, None)
                request.session[DONE_KEY] = True
                return redirect("responses:done")
    shown = visible_items(items, answers)
    page_of = {item.code: p.number for p in page_list for item in p.items}
    problems = [{"message": message, "page": page_of.get(code)} for code, found in errors.items() for message in found]
    context = {
        "questionnaire": questionnaire, "page_count": len(page_list), "problems": problems,
        "answered": len(prune_hidden(items, answers)), "shown": len(shown),
        "title": questionnaire.title_en if language == "en" and questionnaire.title_en else questionnaire.title_de,
    }
    return _render(request, "responses/submit.html", context, language, 400 if problems else 200)


@never_cache
def done(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    if not request.session.get(DONE_KEY):
        return redirect("responses:start")
    return _render(request, "responses/done.html", {}, language)


# --- paper entry -----------------------------------------------------------------------------------


def _project(request: HttpRequest, project_pk: int) -> SurveyProject:
    return get_for_user(request.user, SurveyProject.objects.select_related("municipality"), ENTER, pk=project_pk)


def _show(item: Item, value: Any) -> str:
    if value is None:
        return _("(empty)")
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    questionnaire = selectors.current_questionnaire(project)
    items = selectors.items_of(questionnaire) if questionnaire else []
    form = forms.PaperForm(request.POST if request.method == "POST" else None, items=items)
    if request.method == "POST" and form.is_valid():
        answers, key_errors = form.keyed()
        try:
            result = paper.enter_paper(actor=request_user(request), project=project,
                                          number=form.cleaned_data["number"], answers=answers, key_errors=key_errors)
        except ValidationError as exc:
            form.add_item_errors(messages_by_field(exc))
        else:
            number = result.member.number
            if result.outcome == "differs":
                return redirect("responses:compare", project_pk=project.pk, number=number)
            if result.outcome == "first_pass":
                messages.success(request, _("Number %(number)d keyed the first time. Another person keys the "
                                            "form a second time to check it.") % {"number": number})
            else:
                messages.success(request, _("Number %(number)d entered: the response is recorded.") % {
                    "number": number})
            return redirect("responses:entry", project_pk=project.pk)
    rows = [{"item": item, "field": form[f"i_{item.code}"]} for item in items]
    context = {
        "project": project, "questionnaire": questionnaire, "form": form, "rows": rows,
        "counts": selectors.response_counts(project), "accepts": selectors.accepts_paper(project),
        "pending": selectors.pending_comparisons(project),
        "waiting": selectors.awaiting_second_keying(project) if project.double_entry else [],
    }
    return render(request, "responses/entry.html", context, status=400 if form.errors else 200)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def compare(request: HttpRequest, project_pk: int, number: int) -> HttpResponse:
    project = _project(request, project_pk)
    member = selectors.member_by_number(project, number)
    entries = selectors.paper_entries(member) if member else {}
    if member is None or 1 not in entries or 2 not in entries or hasattr(member, "response"):
        messages.error(request, _("There are no two differing keyings for this number."))
        return redirect("responses:entry", project_pk=project.pk)
    items = selectors.items_of(entries[2].questionnaire)
    first, second = dict(entries[1].answers), dict(entries[2].answers)
    codes = paper.differing_items(first, second, items)
    by_code = {item.code: item for item in items}
    differences = [(by_code[code], _show(by_code[code], first.get(code)), _show(by_code[code], second.get(code)))
                   for code in codes]
    form = forms.ResolveForm(request.POST if request.method == "POST" else None, differences=differences,
                             numbers=question_numbers(items))
    may_decide = entries[2].entered_by_id == request.user.pk
    if request.method == "POST" and form.is_valid():
        try:
            paper.resolve_paper(actor=request_user(request), project=project, member=member,
                                   choices=form.cleaned_data)
        except ValidationError as exc:
            for field, problems in messages_by_field(exc).items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _("Number %(number)d entered: the response is recorded.") % {"number": number})
            return redirect("responses:entry", project_pk=project.pk)
    rows = [{"item": item, "first": f, "second": s, "field": form[item.code], "allowed": describe_allowed(item)}
            for item, f, s in differences]
    return render(request, "responses/compare.html", {
        "project": project, "member": member, "form": form, "rows": rows, "may_decide": may_decide,
        "entries": entries,
    }, status=400 if form.errors else 200)


# --- practice project ------------------------------------------------------------------------------


@login_required
@require_POST
def practice_simulate(request: HttpRequest, pk: int) -> HttpResponse:
    """Let the rest of a practice project's sample answer (simulation.simulate_remaining_answers).

    Mounted as surveys:demo_simulate under the project page (/befragungen/<pk>/demo/antworten-simulieren/)."""
    user = request_user(request)
    project = practice_project_for(user, pk)
    try:
        run = simulation.start_simulation(actor=user, project=project)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(reverse("surveys:detail", args=[project.pk]) + "#demo")
    # The simulation records hundreds of answers (many seconds): it runs in the background, the task page
    # shows its progress and then leads back to the project (decision 0024).
    return redirect("core:task_detail", pk=run.pk)
