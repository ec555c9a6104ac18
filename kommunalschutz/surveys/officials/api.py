"""The officials' survey in the REST API (mounted under /api/v1/): the aggregated, suppressed results of
closed waves, public like the figures the ministry publishes. A wave still in preparation or in the field
answers 404; no answer sheet, frame entry or free text is reachable through the API."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Router, Status

from kommunalschutz.foundation.web.api import ErrorOut, not_found
from kommunalschutz.surveys.officials import darkfield, komo, results, selectors
from kommunalschutz.surveys.officials.models import Wave
from kommunalschutz.surveys.officials.schemas import ResultsOut, WaveOut

router = Router(tags=["officials' survey"])


def _wave_out(wave: Wave, respondents: int) -> dict[str, Any]:
    return {"id": wave.pk, "title": wave.title, "reference_start": wave.reference_start,
            "reference_end": wave.reference_end, "respondents": respondents, "is_synthetic": wave.is_synthetic}


@router.get("/officials-survey/waves", response={200: list[WaveOut]},
            summary="The closed waves of the officials' survey")
def list_waves(request: HttpRequest) -> Any:
    waves = selectors.closed_waves().annotate(respondents=Count("responses"))
    return Status(200, [WaveOut(**_wave_out(wave, wave.respondents)) for wave in waves])


@router.get("/officials-survey/waves/{int:wave_id}/results", response={200: ResultsOut, 404: ErrorOut},
            summary="Shares affected, reporting, consequences and the dark field of a closed wave")
def wave_results(request: HttpRequest, wave_id: int) -> Any:
    """Shares 0..1 with 95 % confidence intervals, weighted for non-response; every group with fewer than
    ``min_cell`` respondents is suppressed (estimate null); nothing is given below the district."""
    wave = selectors.closed_waves().filter(pk=wave_id).first()
    if wave is None:
        return not_found()
    computed = results.compute(wave)
    dark = darkfield.dark_field(wave, computed)
    figure, same_period = komo.matching(komo.AFFECTED, wave.reference_start, wave.reference_end)
    body = computed.as_dict()
    body.pop("wave")
    body.pop("respondents")
    for name in ("incidents_total", "reported_total", "reported_ratio"):
        body.pop(name)
    return Status(200, {
        **body, "wave": _wave_out(wave, computed.respondents), "min_cell": results.min_cell(),
        "komo": {"wave": figure.wave if figure else None, "same_period": same_period,
                 "share_percent": figure.value if figure else None},
        "dark_field": dark.as_dict(min_cell=results.min_cell()),
    })
