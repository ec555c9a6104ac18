"""Pages of the surveys app: the project list and hub, settings, crest, field period, and the questionnaire
builder with its PDF. Thin: lookups in selectors (404 for outsiders), writes in lifecycle (projects) and
builder (questionnaires)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import downloads
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.web.pages import form_page, request_user, save
from kommunalschutz.surveys.projects import builder, forms, lifecycle, paper, presentation, selectors
from kommunalschutz.surveys.projects.models import Questionnaire, SurveyProject

EDIT = selectors.EDIT
PAGE_SIZE = 50
FORM_PAGE = "surveys/form.html"
# Service field names that the item form shows under another name.
ITEM_FIELD_NAMES = {"show_if": "filter_item"}


def _refusal(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- projects ------------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "surveys.view_projects")
    page = Paginator(selectors.project_list(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "surveys/project_list.html", {
        "page": page, "can_add": selectors.addable_municipalities(user).exists(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    municipalities = selectors.addable_municipalities(user)
    if not municipalities.exists():
        raise Http404
    form = forms.ProjectCreateForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        require_perm(user, "surveys.add_project", data["municipality"])
        project = save(form, lambda: lifecycle.create_project(actor=user, **data))
        if project is not None:
            messages.success(request, _("The survey project “%(title)s” has been set up.") % {"title": project})
            return redirect("surveys:detail", pk=project.pk)
    return render(request, "surveys/project_create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk)
    can_edit = user.has_perm(EDIT, project)
    status = project.Status
    return render(request, "surveys/project_detail.html", {
        "project": project, "can_edit": can_edit, "questionnaires": selectors.questionnaires(project),
        "field_form": forms.FieldPeriodForm(initial={"start": project.field_start, "end": project.field_end})
        if can_edit and project.status in (status.PREPARATION, status.SAMPLING) else None,
        # Closing means the field period is over: proposed is the planned end, or today if that lies ahead.
        "end_form": forms.FieldEndForm(initial={"end": min(project.field_end or timezone.localdate(),
                                                           timezone.localdate())})
        if can_edit and project.status == status.FIELD else None,
        "demo_tools": project.is_synthetic and user.has_perm("sampling.manage_sample", project),
        # The parts of the survey, each shown only to whom its page opens (the permission that page checks).
        "can_sample": user.has_perm("sampling.manage_sample", project),
        "can_enter": user.has_perm("responses.enter_responses", project),
        "can_see_results": user.has_perm("findings.view_results", project),
    })


def _project_url(project: SurveyProject, section: str = "") -> str:
    return reverse("surveys:detail", args=[project.pk]) + (f"#{section}" if section else "")


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    initial = {name: getattr(project, name) for name in lifecycle.PROJECT_FIELDS}
    form = forms.ProjectForm(request.POST or None, initial=initial, municipality=project.municipality,
                             project=project)
    if request.method == "POST" and form.is_valid() and save(
            form, lambda: lifecycle.update_project(actor=user, project=project, **form.cleaned_data)):
        messages.success(request, _("The settings have been saved."))
        return redirect(_project_url(project))
    return form_page(request, FORM_PAGE, form, title=_("Edit the survey settings"), project=project,
                     back_url=_project_url(project), submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def crest_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    form = forms.CrestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["crest"]
        # Read at most one byte more than allowed: enough to refuse a file that is too large.
        content = upload.read(lifecycle.CREST_MAX_BYTES + 1)
        if save(form, lambda: lifecycle.set_crest(actor=user, project=project, content=content)):
            messages.success(request, _("The crest has been saved."))
            return redirect(_project_url(project, "crest"))
    return form_page(request, FORM_PAGE, form, title=_("Upload the crest"), project=project,
                     back_url=_project_url(project), submit=_("Upload"), multipart=True,
                     intro=_("The crest appears on the questionnaire, the cover letters and the final report. "
                             "Use a PNG or JPEG image of at most 2 MB."))


@login_required
@require_GET
def crest_image(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk)
    if not project.crest or project.crest_type not in ("image/png", "image/jpeg"):
        raise Http404
    response = HttpResponse(bytes(project.crest), content_type=project.crest_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def crest_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    lifecycle.remove_crest(actor=user, project=project)
    messages.success(request, _("The crest has been removed."))
    return redirect(_project_url(project, "crest"))


@login_required
@require_POST
def field_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    form = forms.FieldPeriodForm(request.POST)
    if form.is_valid() and save(form, lambda: lifecycle.start_field_period(
            actor=user, project=project, start=form.cleaned_data["start"], end=form.cleaned_data["end"])):
        messages.success(request, _("The field period has started; the questionnaire can no longer change."))
        return redirect(_project_url(project))
    return form_page(request, FORM_PAGE, form, title=_("Start the field period"), project=project,
                     back_url=_project_url(project), submit=_("Start the field period"))


@login_required
@require_POST
def field_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    form = forms.FieldEndForm(request.POST)
    if form.is_valid() and save(form, lambda: lifecycle.end_field_period(
            actor=user, project=project, end=form.cleaned_data["end"])):
        messages.success(request, _("The field period has ended; the project is now in analysis."))
        return redirect(_project_url(project))
    return form_page(request, FORM_PAGE, form, title=_("End the field period"), project=project,
                     back_url=_project_url(project), submit=_("End the field period"))


# --- questionnaires ------------------------------------------------------------------------------


def _questionnaire_url(questionnaire: Questionnaire, section: str = "") -> str:
    return (reverse("surveys:questionnaire", args=[questionnaire.project_id, questionnaire.version])
            + (f"#{section}" if section else ""))


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    form = forms.NewQuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        questionnaire = save(form, lambda: builder.create_questionnaire_from_bank(
            actor=user, project=project, keys=form.bank_keys()))
        if questionnaire is not None:
            messages.success(request, _("Version %(version)s of the questionnaire has been created.")
                             % {"version": questionnaire.version})
            return redirect(_questionnaire_url(questionnaire))
    return form_page(request, FORM_PAGE, form, title=_("Create a questionnaire"), project=project,
                     back_url=_project_url(project), submit=_("Create the questionnaire"),
                     intro=_("The item bank holds tested questions for every block of a security analysis. "
                             "You can add, change, move and remove questions afterwards."))


@login_required
@require_GET
def questionnaire_detail(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk)
    questionnaire = selectors.questionnaire_for(user, project, version)
    items = selectors.items(questionnaire)
    can_edit = user.has_perm(EDIT, project) and not questionnaire.is_frozen
    return render(request, "surveys/questionnaire_detail.html", {
        "project": project, "questionnaire": questionnaire, "numbered": presentation.numbered_items(items),
        "can_edit": can_edit, "can_copy": user.has_perm(EDIT, project),
        "bank_form": forms.BankItemForm(used={item.code for item in items}) if can_edit else None,
        "last_position": len(items),
    })


def _draft(request: HttpRequest, pk: int, version: int) -> tuple[User, SurveyProject, Questionnaire]:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    return user, project, selectors.questionnaire_for(user, project, version, EDIT)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    user, project, questionnaire = _draft(request, pk, version)
    initial = {name: getattr(questionnaire, name) for name in ("title_de", "title_en", "intro_de", "intro_en")}
    form = forms.QuestionnaireForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and save(form, lambda: builder.update_questionnaire(
            actor=user, questionnaire=questionnaire, **form.cleaned_data)):
        messages.success(request, _("The questionnaire has been saved."))
        return redirect(_questionnaire_url(questionnaire))
    return form_page(request, FORM_PAGE, form, title=_("Title and introduction"), project=project,
                     back_url=_questionnaire_url(questionnaire), submit=_("Save"))


@login_required
@require_POST
def questionnaire_copy(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    user, _project, questionnaire = _draft(request, pk, version)
    copy = builder.new_version(actor=user, questionnaire=questionnaire)
    messages.success(request, _("Version %(version)s has been created as a copy; you can change it now.")
                     % {"version": copy.version})
    return redirect(_questionnaire_url(copy))


def _pdf_lang(request: HttpRequest) -> str:
    return "en" if (request.POST.get("lang") or request.GET.get("lang")) == "en" else "de"


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_pdf(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """The paper questionnaire as PDF: a POST queues it (decision 0024), the page shows its progress and then
    the download of the person's own newest PDF of this version and language."""
    user = request_user(request)
    project = selectors.project_for(user, pk)
    questionnaire = selectors.questionnaire_for(user, project, version)
    lang = _pdf_lang(request)
    page = reverse("surveys:questionnaire_pdf", args=[project.pk, questionnaire.version]) + (
        "?lang=en" if lang == "en" else "")
    if request.method == "POST":
        paper.start(actor=user, questionnaire=questionnaire, lang=lang)
        return redirect(page)
    run = paper.latest(user, questionnaire, lang)
    download_url = (reverse("surveys:questionnaire_pdf_download", args=[project.pk, questionnaire.version, run.pk])
                    if run is not None and run.status == run.Status.DONE else "")
    context = {"project": project, "questionnaire": questionnaire, "lang": lang, "run": run, "page_url": page,
               "download_url": download_url}
    if request.headers.get("HX-Request") and run is not None:
        return render(request, "core/_task_progress.html", {**context, "poll_url": page, "reload_url": page})
    return render(request, "surveys/questionnaire_pdf_task.html", context)


@login_required
@require_GET
def questionnaire_pdf_download(request: HttpRequest, pk: int, version: int, run_pk: int) -> HttpResponseBase:
    """The stored PDF, for the person who asked for it while they may see the project (else 404)."""
    user = request_user(request)
    project = selectors.project_for(user, pk)
    questionnaire = selectors.questionnaire_for(user, project, version)
    run = downloads.finished_task(user, paper.QUESTIONNAIRE_PDF_OPERATION, run_pk, questionnaire_id=questionnaire.pk)
    lang = run.result["arguments"]["lang"]
    return downloads.stored_file_response(run, paper.filename(questionnaire, lang))


# --- items ---------------------------------------------------------------------------------------


@login_required
@require_POST
def item_add_bank(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    user, _project, questionnaire = _draft(request, pk, version)
    form = forms.BankItemForm(request.POST, used={item.code for item in selectors.items(questionnaire)})
    if not form.is_valid():
        messages.error(request, _("Choose a question of the item bank that is not in the questionnaire yet."))
        return redirect(_questionnaire_url(questionnaire, "bank"))
    try:
        item = builder.add_bank_item(actor=user, questionnaire=questionnaire, key=form.cleaned_data["key"])
    except ValidationError as exc:
        _refusal(request, exc)
        return redirect(_questionnaire_url(questionnaire, "bank"))
    messages.success(request, _("The question “%(code)s” has been added.") % {"code": item.code})
    return redirect(_questionnaire_url(questionnaire, f"item-{item.pk}"))


def _item_page(request: HttpRequest, form: forms.ItemForm, *, project: SurveyProject,
               questionnaire: Questionnaire, title: str, submit: str) -> HttpResponse:
    return render(request, "surveys/item_form.html", {
        "form": form, "project": project, "questionnaire": questionnaire, "title": title, "submit": submit,
        "back_url": _questionnaire_url(questionnaire),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    user, project, questionnaire = _draft(request, pk, version)
    form = forms.ItemForm(request.POST or None, sources=selectors.items(questionnaire), initial={"kind": "single"})
    if request.method == "POST" and form.is_valid():
        item = save(form, lambda: builder.add_item(actor=user, questionnaire=questionnaire, **form.item_fields()),
                     rename=ITEM_FIELD_NAMES)
        if item is not None:
            messages.success(request, _("The question “%(code)s” has been added.") % {"code": item.code})
            return redirect(_questionnaire_url(questionnaire, f"item-{item.pk}"))
    return _item_page(request, form, project=project, questionnaire=questionnaire, title=_("Add a question"),
                      submit=_("Add the question"))


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int, version: int, item_pk: int) -> HttpResponse:
    user, project, questionnaire = _draft(request, pk, version)
    item = selectors.item_for(user, questionnaire, item_pk)
    earlier = [other for other in selectors.items(questionnaire) if other.position < item.position]
    form = forms.ItemForm(request.POST or None, sources=earlier, initial=forms.ItemForm.initial_for(item))
    if request.method == "POST" and form.is_valid() and save(
            form, lambda: builder.update_item(actor=user, item=item, **form.item_fields()), rename=ITEM_FIELD_NAMES):
        messages.success(request, _("The question “%(code)s” has been saved.") % {"code": item.code})
        return redirect(_questionnaire_url(questionnaire, f"item-{item.pk}"))
    return _item_page(request, form, project=project, questionnaire=questionnaire,
                      title=_("Edit question %(code)s") % {"code": item.code}, submit=_("Save"))


@login_required
@require_POST
def item_move(request: HttpRequest, pk: int, version: int, item_pk: int) -> HttpResponse:
    user, _project, questionnaire = _draft(request, pk, version)
    item = selectors.item_for(user, questionnaire, item_pk)
    try:
        builder.move_item(actor=user, item=item, direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        _refusal(request, exc)
    return redirect(_questionnaire_url(questionnaire, f"item-{item.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def item_delete(request: HttpRequest, pk: int, version: int, item_pk: int) -> HttpResponse:
    user, project, questionnaire = _draft(request, pk, version)
    item = selectors.item_for(user, questionnaire, item_pk)
    if request.method == "POST":
        try:
            builder.delete_item(actor=user, item=item)
        except ValidationError as exc:
            _refusal(request, exc)
            return redirect(_questionnaire_url(questionnaire, f"item-{item.pk}"))
        messages.success(request, _("The question “%(code)s” has been removed.") % {"code": item.code})
        return redirect(_questionnaire_url(questionnaire))
    return render(request, "surveys/item_delete.html", {
        "project": project, "questionnaire": questionnaire, "item": item,
        "back_url": _questionnaire_url(questionnaire, f"item-{item.pk}"),
    })
