"""The paper questionnaire as PDF, made in the background (decision 0024; laying it out takes 1-4 s).

The operation renders the questionnaire's HTML (quick), and lays out a PDF only when no PDF of the very
same HTML is stored yet (core.downloads.stored_pdf): the same version in the same language, unchanged,
is served again; an edited draft, a new crest or title gives a new file.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import downloads
from kommunalschutz.foundation.core.documents import image_data_uri
from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.surveys.projects import presentation, selectors
from kommunalschutz.surveys.projects.models import Questionnaire

QUESTIONNAIRE_PDF_OPERATION = "surveys.questionnaire_pdf"
LANGUAGES = ("de", "en")


def questionnaire_html(questionnaire: Questionnaire, lang: str = "de") -> str:
    """The printable questionnaire (German or English) as HTML, with the same content as the online one."""
    project = questionnaire.project
    crest = image_data_uri(bytes(project.crest), project.crest_type) if project.crest else ""
    english = lang == "en"
    with translation.override(lang):  # block headings in the questionnaire's language
        return render_to_string("surveys/questionnaire_pdf.html", {
            "project": project, "questionnaire": questionnaire, "lang": lang, "crest": crest,
            "title": (questionnaire.title_en or questionnaire.title_de) if english else questionnaire.title_de,
            "intro": (questionnaire.intro_en or questionnaire.intro_de) if english else questionnaire.intro_de,
            "numbered": presentation.numbered_items(selectors.items(questionnaire), lang),
        })


def questionnaire_pdf_bytes(questionnaire: Questionnaire, lang: str = "de") -> bytes:
    """The printable questionnaire as PDF, laid out now (for tests and the command line)."""
    from kommunalschutz.foundation.core.documents import html_to_pdf

    return html_to_pdf(questionnaire_html(questionnaire, lang))


def filename(questionnaire: Questionnaire, lang: str) -> str:
    return f"fragebogen-{questionnaire.project_id}-v{questionnaire.version}-{lang}.pdf"


def questionnaire_pdf_operation(*, progress: Any, actor_id: int | None, questionnaire_id: int, lang: str,
                                language: str = "de") -> dict[str, Any]:
    """Make (or find unchanged) the paper questionnaire and store it; downloaded by whoever asked for it,
    while they may see the project (views.questionnaire_pdf_download)."""
    questionnaire = Questionnaire.objects.select_related("project").get(pk=questionnaire_id)
    with translation.override(language):
        progress.update(0, downloads.PDF_STEPS, _("the questions are being put together"))
        html = questionnaire_html(questionnaire, lang)
        return downloads.stored_pdf(
            progress=progress, html=html, directory=f"surveys/questionnaires/{questionnaire.project_id}",
            stem=f"fragebogen-{questionnaire.project_id}-v{questionnaire.version}-{lang}")


def _arguments(questionnaire: Questionnaire, lang: str) -> dict[str, Any]:
    return {"questionnaire_id": questionnaire.pk, "lang": lang}


def start(*, actor: Any, questionnaire: Questionnaire, lang: str) -> TaskRun:
    label = (_("Questionnaire version %(version)s as PDF (English)") if lang == "en"
             else _("Questionnaire version %(version)s as PDF (German)")) % {"version": questionnaire.version}
    return downloads.start_once(actor=actor, kind=QUESTIONNAIRE_PDF_OPERATION, label=label, arguments={
        **_arguments(questionnaire, lang), "language": translation.get_language() or "de"})


def latest(actor: Any, questionnaire: Questionnaire, lang: str) -> TaskRun | None:
    return downloads.latest_task(actor, QUESTIONNAIRE_PDF_OPERATION, **_arguments(questionnaire, lang))


def finished(actor: Any, questionnaire: Questionnaire, lang: str, pk: int) -> TaskRun:
    return downloads.finished_task(actor, QUESTIONNAIRE_PDF_OPERATION, pk, **_arguments(questionnaire, lang))
