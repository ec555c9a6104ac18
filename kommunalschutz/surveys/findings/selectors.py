"""Reading for the findings: respondents, population figures, weighting runs and comparable projects."""

from __future__ import annotations

from django.db.models import QuerySet

from kommunalschutz.foundation.core.collation import german
from kommunalschutz.surveys.findings.calibration import PopulationRow, Respondent
from kommunalschutz.surveys.findings.models import WeightingRun
from kommunalschutz.surveys.projects.models import Item, SurveyProject
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.sampling.models import PopulationCell, Sample


def submitted_responses(project: SurveyProject) -> QuerySet[Response]:
    return (Response.objects.filter(project=project, status=Response.Status.SUBMITTED)
            .select_related("member").order_by("pk"))


def respondent(response: Response) -> Respondent:
    m = response.member
    return Respondent(response_id=response.pk, locality=m.locality, age_group=m.age_group, sex=m.sex,
                      design_weight=float(m.design_weight))


def is_stratified(project: SurveyProject) -> bool:
    sample = Sample.objects.filter(project=project).only("method").first()
    return sample is not None and sample.method == Sample.Method.STRATIFIED


def population(project: SurveyProject) -> tuple[str, list[PopulationRow]]:
    """The population figures to weight to: official statistics if the project has them, else the
    register extract's counts. Returns (source, rows)."""
    cells = PopulationCell.objects.filter(project=project)
    source = (PopulationCell.Source.OFFICIAL if cells.filter(source=PopulationCell.Source.OFFICIAL).exists()
              else PopulationCell.Source.REGISTER)
    rows = [PopulationRow(c.locality, c.age_group, c.sex, c.count) for c in cells.filter(source=source)]
    return str(source), rows


def current_run(project: SurveyProject) -> WeightingRun | None:
    return WeightingRun.objects.filter(project=project, is_current=True).order_by("-created_at", "-pk").first()


def runs(project: SurveyProject) -> QuerySet[WeightingRun]:
    return WeightingRun.objects.filter(project=project).select_related("created_by").order_by("-created_at", "-pk")


def items(project: SurveyProject) -> list[Item]:
    """The project's questions, one per variable name: the newest questionnaire version's wording, in
    its order (older versions' extra items after them)."""
    seen: dict[str, Item] = {}
    for item in Item.objects.filter(questionnaire__project=project).order_by("-questionnaire__version", "position"):
        seen.setdefault(item.code, item)
    return list(seen.values())


def earlier_waves(project: SurveyProject) -> list[SurveyProject]:
    """Other surveys of the same municipality with a current weighting."""
    return list(SurveyProject.objects.filter(municipality_id=project.municipality_id, weighting_runs__is_current=True)
                .exclude(pk=project.pk).select_related("municipality").distinct().order_by("year", "pk"))


def similar_municipalities(project: SurveyProject) -> list[SurveyProject]:
    """Released (final report) and weighted surveys of other municipalities of similar size (0.5x to 2x
    the population)."""
    size = project.municipality.population or 0
    if size <= 0:
        return []
    return list(SurveyProject.objects.filter(
        status=SurveyProject.Status.REPORTED, weighting_runs__is_current=True,
        municipality__population__gte=size / 2, municipality__population__lte=size * 2,
    ).exclude(municipality_id=project.municipality_id).select_related("municipality").distinct()
        .order_by(*german("municipality__name"), "-year"))
