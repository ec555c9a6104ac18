"""The situation report in the REST API (mounted under /api/v1/).

``GET /situation-reports`` lists the reports the caller may read (released ones for everyone, with or
without a token; drafts for the coordination office). ``GET /situation-reports/{id}?edition=public|internal``
returns one edition's frozen figures: the public edition of a released report for everyone, the internal
edition for the roles of decision 0041; anything else answers 404.
"""

from __future__ import annotations

from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.web.api import ErrorOut, not_found
from kommunalschutz.situation import selectors
from kommunalschutz.situation.schemas import SituationReportOut, SituationReportSummaryOut

router = Router(tags=["situation"])


def _caller(request: HttpRequest) -> None:
    """The published reports need no token; a valid bearer token, when sent, shows what its owner may read
    besides (the coordination office's drafts, the internal edition). Without one the caller is the public,
    whatever session cookie comes along (the API takes tokens only)."""
    if token_auth(request) is None:
        request.user = AnonymousUser()


class EditionQuery(Schema):
    edition: Literal["public", "internal"] = "public"


@router.get("/situation-reports", response=list[SituationReportSummaryOut],
            url_name="situation_reports", summary="Situation reports the caller may read")
def situation_reports(request: HttpRequest) -> list[dict[str, Any]]:
    """Released reports for everyone (no token needed); with a coordinator's token the drafts too."""
    _caller(request)
    return [{"id": report.pk, "title": report.title, "period_start": report.period_start,
             "period_end": report.period_end, "status": report.status, "released_at": report.released_at,
             "editions": selectors.editions_for(request.user, report)}
            for report in selectors.visible_reports(request.user)]


@router.get("/situation-reports/{report_id}",
            response={200: SituationReportOut, 404: ErrorOut}, url_name="situation_report",
            summary="The frozen figures of one edition of a situation report")
def situation_report(request: HttpRequest, report_id: int, params: Query[EditionQuery]) -> Status[Any]:
    """Every section with its sentences and tables; a suppressed cell has ``"value": null, "suppressed":
    true``. A draft, or the internal edition without the right to read it, answers 404."""
    from django.http import Http404

    _caller(request)
    try:
        report = selectors.report_for(request.user, report_id, params.edition)
    except Http404:
        return not_found()
    content = report.edition(params.edition)
    if content is None:
        return not_found()
    return Status(200, SituationReportOut.model_validate({
        "id": report.pk, "title": report.title, "period_start": report.period_start, "period_end": report.period_end,
        "as_of": report.period_end, "status": report.status, "released_at": report.released_at,
        "generated_at": report.generated_at, "edition": params.edition, "min_cell": content["min_cell"],
        "press_text": report.press_text,
        "sections": [{key: section[key] for key in ("key", "title", "state", "intro", "sentences", "tables")}
                     for section in content["sections"]]}))
