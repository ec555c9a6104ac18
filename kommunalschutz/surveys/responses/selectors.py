"""Reading responses: the questionnaire a project answers, members by access code, pages, counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone

from kommunalschutz.surveys.projects.models import Block, Item, Questionnaire, SurveyProject
from kommunalschutz.surveys.responses.models import PaperEntry, Response
from kommunalschutz.surveys.responses.validation import visible_items
from kommunalschutz.surveys.sampling import codes
from kommunalschutz.surveys.sampling.models import SampleMember

BLOCK_ORDER = {value: index for index, value in enumerate(Block.values)}


def current_questionnaire(project: SurveyProject) -> Questionnaire | None:
    """The questionnaire in the field: the highest frozen version (None before one was frozen)."""
    return project.questionnaires.filter(frozen_at__isnull=False).order_by("-version").first()


def items_of(questionnaire: Questionnaire) -> list[Item]:
    return list(questionnaire.items.order_by("position"))


def in_field(project: SurveyProject) -> bool:
    """Whether the project accepts online answers today (status "in the field" and within the period)."""
    today = timezone.localdate()
    return (project.status == SurveyProject.Status.FIELD and project.field_start is not None
            and project.field_end is not None and project.field_start <= today <= project.field_end)


def accepts_paper(project: SurveyProject) -> bool:
    """Paper forms are typed in during the field period and afterwards (late returns), not before."""
    return project.status in (SurveyProject.Status.FIELD, SurveyProject.Status.ANALYSIS)


def online_member(member_id: Any) -> SampleMember | None:
    """The member who may answer online now, or None (see member_for_code for the conditions)."""
    member = (SampleMember.objects.select_related("sample__project").filter(pk=member_id).first()
              if member_id else None)
    if member is None:
        return None
    if member.sample.addresses_deleted_at is not None or not in_field(member.sample.project):
        return None
    if current_questionnaire(member.sample.project) is None:
        return None
    response = Response.objects.filter(member=member).only("status").first()
    if response is not None and response.status == Response.Status.SUBMITTED:
        return None
    return member


def member_for_code(code: str) -> SampleMember | None:
    """The sample member whose access code this is, if they may answer online now.

    None when the code is unknown, its member's addresses and codes were deleted, the project is not in
    the field (status and period), no questionnaire is frozen, or the member has answered already.
    Undeliverable members may answer (the letter reached them after all).
    """
    normalised = codes.normalise(code)
    if normalised is None:
        return None
    member = SampleMember.objects.filter(code_digest=codes.digest(normalised)).only("pk").first()
    return online_member(member.pk) if member else None


def online_response(member: SampleMember) -> Response | None:
    return Response.objects.filter(member=member).select_related("questionnaire").first()


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    block: str
    label: str
    items: list[Item]


def pages(items: list[Item], answers: dict[str, Any]) -> list[Page]:
    """One page per block (Block order) with the items to show given the answers so far.

    An item whose filter depends on another item of the same page is shown (the page does not know
    that answer yet); its answer is dropped on saving when the filter turns out not to be met.
    """
    shown = {item.code for item in visible_items(items, answers)}
    block_of = {item.code: item.block for item in items}
    by_block: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: (BLOCK_ORDER.get(i.block, 99), i.position)):
        condition = item.show_if or {}
        same_page = bool(condition) and block_of.get(str(condition.get("item"))) == item.block
        if item.code in shown or same_page:
            by_block.setdefault(item.block, []).append(item)
    labels = dict(Block.choices)
    return [Page(number=index, block=block, label=str(labels.get(block, block)), items=block_items)
            for index, (block, block_items) in enumerate(by_block.items(), start=1)]


def resume_page(page_list: list[Page], answers: dict[str, Any]) -> int:
    """The first page none of whose questions is answered yet; the last page when every page has answers."""
    for page in page_list:
        if not any(item.code in answers for item in page.items):
            return page.number
    return page_list[-1].number if page_list else 1


def member_by_number(project: SurveyProject, number: int) -> SampleMember | None:
    return SampleMember.objects.filter(sample__project=project, number=number).first()


def paper_entries(member: SampleMember) -> dict[int, PaperEntry]:
    return {entry.pass_number: entry for entry in member.paper_entries.select_related("entered_by")}


def pending_comparisons(project: SurveyProject) -> list[PaperEntry]:
    """Second keyings that differ from the first and wait for a decision (no response yet)."""
    return list(PaperEntry.objects.filter(member__sample__project=project, pass_number=2,
                                          member__response__isnull=True)
                .select_related("member", "entered_by").order_by("member__number"))


def awaiting_second_keying(project: SurveyProject) -> list[PaperEntry]:
    return list(PaperEntry.objects.filter(member__sample__project=project, pass_number=1,
                                          member__response__isnull=True)
                .exclude(member__paper_entries__pass_number=2)
                .select_related("member", "entered_by").order_by("member__number"))


@dataclass(frozen=True)
class ResponseCounts:
    """Letters and responses of a project; ``rate`` = submitted / (members - undeliverable without answer)."""

    members: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    online: int = 0
    paper: int = 0
    in_progress: int = 0

    @property
    def submitted(self) -> int:
        return self.online + self.paper

    @property
    def undeliverable(self) -> int:
        return self.by_status.get(SampleMember.Status.UNDELIVERABLE, 0)

    @property
    def net_sample(self) -> int:
        return self.members - self.undeliverable

    @property
    def rate(self) -> float | None:
        return self.submitted / self.net_sample if self.net_sample > 0 else None


def response_counts(project: SurveyProject) -> ResponseCounts:
    """Members per letter status, submitted responses per channel, online answers in progress (2 queries)."""
    by_status = {row["status"]: row["n"] for row in
                 SampleMember.objects.filter(sample__project=project).values("status").annotate(n=Count("pk"))}
    responses = {(row["channel"], row["status"]): row["n"] for row in
                 Response.objects.filter(project=project).values("channel", "status").annotate(n=Count("pk"))}
    submitted = Response.Status.SUBMITTED
    return ResponseCounts(
        members=sum(by_status.values()), by_status=by_status,
        online=responses.get((Response.Channel.ONLINE, submitted), 0),
        paper=responses.get((Response.Channel.PAPER, submitted), 0),
        in_progress=sum(n for (_channel, status), n in responses.items() if status != submitted),
    )
