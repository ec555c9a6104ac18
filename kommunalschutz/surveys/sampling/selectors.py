"""Reads of the sampling app: the project for the team, the extract, the sample and its tracking."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.surveys.projects import selectors as project_selectors
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample, SampleMember

MANAGE = "sampling.manage_sample"
Status = SampleMember.Status


def project_for(user: Any, pk: int) -> SurveyProject:
    """The survey project if the user may manage its sample; 404 otherwise (outsiders learn nothing)."""
    return get_for_user(user, SurveyProject.objects.select_related("municipality"), MANAGE, pk=pk)


def practice_project_for(user: Any, pk: int) -> SurveyProject:
    """A practice project (synthetic) the user may see and work on with personal data; 404 otherwise."""
    from django.http import Http404

    project = project_selectors.project_for(user, pk)
    require_perm(user, MANAGE, project)
    if not project.is_synthetic:
        raise Http404
    return project


def extract_for(project: SurveyProject, pk: int) -> RegisterExtract:
    from django.http import Http404

    extract = project.register_extracts.filter(pk=pk).first()
    if extract is None:
        raise Http404
    return extract


def sample_of(project: SurveyProject) -> Sample | None:
    return Sample.objects.filter(project=project).first()


def _counts() -> dict[str, Any]:
    return {status: Count("pk", filter=Q(status=status)) for status in Status.values}


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    sent = sum(row[s] for s in (Status.SENT, Status.ONLINE, Status.POST, Status.UNDELIVERABLE))
    answered = row[Status.ONLINE] + row[Status.POST]
    reachable = sent - row[Status.UNDELIVERABLE]
    return {**row, "sent_total": sent, "answered": answered, "reachable": reachable,
            "response_rate": answered / reachable if reachable else None}


def tracking(project: SurveyProject) -> dict[str, Any]:
    """Letters per status and the response rate answered / (sent - undeliverable), overall and per
    stratum (locality x age group x sex). Two queries."""
    sample = sample_of(project)
    members = SampleMember.objects.filter(sample=sample) if sample else SampleMember.objects.none()
    total = members.aggregate(total=Count("pk"), **_counts())
    strata = [
        _rates(row) for row in members.values("locality", "age_group", "sex").annotate(
            total=Count("pk"), **_counts()).order_by("locality", "age_group", "sex")
    ]
    return {"sample": sample, "counts": {s: total[s] for s in Status.values}, **_rates(total),
            "by_stratum": strata, "status_labels": dict(Status.choices)}


def members_page(project: SurveyProject, *, status: str = "") -> Any:
    sample = sample_of(project)
    members = SampleMember.objects.filter(sample=sample) if sample else SampleMember.objects.none()
    if status in Status.values:
        members = members.filter(status=status)
    # Only the fields the list shows: names and addresses are decrypted on the detail page alone.
    return members.only("pk", "number", "status", "locality", "age_group", "sex", "letter_sent_at",
                        "reminders_sent", "sample_id").order_by("number")


def member_for(project: SurveyProject, number: int) -> SampleMember:
    from django.http import Http404

    member = SampleMember.objects.filter(sample__project=project, number=number).first()
    if member is None:
        raise Http404
    return member


def letter_runs(user: Any, project: SurveyProject) -> list[Any]:
    """The user's latest renderings of this project's letters (only the requester can download them)."""
    from kommunalschutz.foundation.core.models import TaskRun
    from kommunalschutz.surveys.sampling.letters import LETTERS_OPERATION

    if not getattr(user, "is_authenticated", False):
        return []
    return list(TaskRun.objects.filter(kind=LETTERS_OPERATION, requested_by=user,
                                       result__arguments__project_id=project.pk).order_by("-pk")[:5])


def letter_run_for(user: Any, project: SurveyProject, pk: int) -> Any:
    """A rendering of this project's letters that the user started; 404 otherwise."""
    from django.http import Http404

    from kommunalschutz.foundation.core.models import TaskRun
    from kommunalschutz.surveys.sampling.letters import LETTERS_OPERATION

    run = get_for_user(user, TaskRun.objects.filter(kind=LETTERS_OPERATION), "core.download_task_result", pk=pk)
    if run.result.get("arguments", {}).get("project_id") != project.pk:
        raise Http404
    return run


def reminder_round_sizes(sample: Sample) -> list[tuple[int, int]]:
    """(round, number of letters) of every reminder round sent."""
    from kommunalschutz.surveys.sampling.letters import reminder_round_members, reminder_rounds

    return [(k, reminder_round_members(sample, k).count()) for k in range(1, reminder_rounds(sample) + 1)]
