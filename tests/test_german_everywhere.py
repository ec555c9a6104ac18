"""Every URL pattern of the site, as every demo role and as an anonymous visitor, speaks German (issue 13, item 1).

The walk resolves every pattern of config/urls.py's resolver (not the API, which answers JSON). Arguments come
from real demo objects: the walk starts with the patterns without arguments and takes the arguments of every
later pattern from the links and form actions of the pages fetched before it (first the persona's own pages,
so that each role sees its own objects; then what any other persona saw, so that refusals are walked too;
the few addresses no page links to from ``FALLBACK_ARGUMENTS``). Each pattern is fetched once per persona
with Django's test client (GET; a POST-only address answers its 405 page).

Every answer: no server error; an HTML page's visible text (tags, scripts and styles removed; of the attributes
only title, placeholder, aria-label, alt and the value of buttons) contains none of ``ENGLISH`` and no raw
field name (snake_case or "app_label.model"). The pages in ``NOT_WALKED`` are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import NoReverseMatch, Resolver404, get_resolver, resolve, reverse

from kommunalschutz.foundation.accounts.models import User
from tests.bad_input.site import _walk
from tests.demo.database import DemoData
from tests.german import ENGLISH_PATTERN, FIELD_PATTERN

# The demo personas (tests/browser/pages.py DEMO_USERS); None: not logged in.
PERSONAS: list[str | None] = [None, "koordination", "pirna-koordination", "pirna-buergermeisterin", "pd-dresden",
                              "lka-schutz", "coach", "analyse", "pruefung", "plauen-koordination", "admin"]

# --- excluded from the walk ------------------------------------------------------------------------------
NOT_WALKED = {
    "accounts:logout",  # would end the persona's session (walked anonymously only, see below)
}
# Files, not pages: fetched for the status only (a PDF of the survey report takes seconds to make).
FILE_ROUTES = re.compile(r"\.(pdf|csv|xlsx|svg|png|zip)$|\.<str:fmt>$|/(original|datei|bild|beweismittelpaket)/$")
SLOW_FILES = {"findings:report_pdf", "situation:pdf", "alliance:agreement_draft_pdf", "alliance:agreement_document"}

VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Content that is not the interface's text: code, a form field's value (a person's own entry), and text marked
# as another language (the English version of a questionnaire, lang="en").
SKIPPED = {"script", "style", "template", "textarea"}


class _Text(HTMLParser):
    """The visible text of a page (without the main navigation), its links and form actions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.targets: list[str] = []
        self._open: list[tuple[str, bool]] = []  # open elements: (tag, whether its content is skipped)

    @property
    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.targets.append(a["href"])
        if tag == "form" and a.get("action"):
            self.targets.append(a["action"])
        other_language = bool(a.get("lang")) and not a["lang"].startswith("de")
        if not self._skipping and not other_language:
            for name in VISIBLE_ATTRIBUTES:
                if a.get(name):
                    self.parts.append(a[name])
            if tag == "input" and a.get("type") in ("submit", "button", "reset") and a.get("value"):
                self.parts.append(a["value"])  # a button's text (a <button>'s text is its content)
        if tag not in VOID:
            self._open.append((tag, tag in SKIPPED or other_language))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):  # tolerant of unclosed elements (<p>, <li>)
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def problems_of(html: str, allowed: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(English words with their context, raw field names) in the page's visible text; and its targets.

    ``allowed``: identifiers that are data a person chose (a questionnaire's item codes, a token's name)."""
    page = _Text()
    page.feed(html)
    text = page.text
    found = []
    for match in ENGLISH_PATTERN.finditer(text):
        found.append(f"English {match.group()!r} in “…{text[max(0, match.start() - 40):match.end() + 40]}…”")
    for match in FIELD_PATTERN.finditer(text):
        if match.group() in allowed:
            continue
        found.append(f"field name {match.group()!r} in “…{text[max(0, match.start() - 40):match.end() + 40]}…”")
    return found, page.targets


def _patterns() -> list[tuple[str, str]]:
    """(view name, route) of every pattern but the API's."""
    return [(name, route) for route, name, _callback in _walk(get_resolver())
            if not route.startswith(("api/", "^api/"))]


def _arguments(route: str) -> list[str]:
    return [name for _converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route)]


class Harvest:
    """Arguments seen in links and form actions: per view name, and per (namespace, argument name)."""

    def __init__(self) -> None:
        self.by_view: dict[str, dict[str, Any]] = {}
        self.by_name: dict[tuple[str, str], Any] = {}

    def add(self, base: str, target: str) -> None:
        parts = urlsplit(urljoin(base, target))
        if parts.netloc not in ("", "testserver") or parts.path.startswith("/api/"):
            return
        try:
            match = resolve(parts.path)
        except Resolver404:
            return
        if not match.kwargs:
            return
        self.by_view.setdefault(match.view_name, dict(match.kwargs))
        namespace = match.view_name.split(":")[0]
        for key, value in match.kwargs.items():
            self.by_name.setdefault((namespace, key), value)

    def path(self, name: str, route: str) -> str | None:
        """The address of the pattern with arguments seen for exactly it, else for its app."""
        names = _arguments(route)
        if not names:
            return reverse(name)
        kwargs = self.by_view.get(name)
        if kwargs is None:
            namespace = name.split(":")[0]
            if not all((namespace, key) in self.by_name for key in names):
                return None
            kwargs = {key: self.by_name[(namespace, key)] for key in names}
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            return None


def _thread_arguments(model: Any) -> dict[str, int]:
    first = model.objects.order_by("pk").first()
    return {"pk": first.case_id, "import_pk": first.pk} if first is not None else {"pk": 999_999, "import_pk": 1}


def fallback_arguments() -> dict[str, dict[str, Any]]:
    """Addresses no page of the demo links to (tokens sent by e-mail, objects in a state the demo does not
    show, follow-up addresses): from the demo objects, or a number that exists nowhere (a German 404)."""
    from kommunalschutz.alliance.engagements.models import AnalysisPhase, Consultation, FollowUpTask
    from kommunalschutz.alliance.events.models import Registration
    from kommunalschutz.foundation.accounts.models import APIToken
    from kommunalschutz.foundation.core.models import TaskRun
    from kommunalschutz.protection.cases.models import Case, CaseTask, CaseTeamMember
    from kommunalschutz.protection.onlinehate.models import ThreadImport, TriagedItem
    from kommunalschutz.surveys.findings.models import StoredResults
    from kommunalschutz.surveys.officials.models import FrameUpload
    from kommunalschutz.surveys.projects.models import SurveyProject
    from kommunalschutz.surveys.sampling.models import RegisterExtract, SampleMember

    def pk(model: Any, default: int = 999_999) -> int:
        first = model.objects.order_by("pk").first()
        return first.pk if first is not None else default

    case = Case.objects.order_by("pk").first()
    task = CaseTask.objects.order_by("pk").first()
    member = CaseTeamMember.objects.order_by("pk").first()
    phase = AnalysisPhase.objects.select_related("analysis").order_by("pk").first()
    follow_up = FollowUpTask.objects.select_related("consultation").order_by("pk").first()
    registration = Registration.objects.select_related("event").order_by("pk").first()
    project = SurveyProject.objects.order_by("pk").first()
    extract = RegisterExtract.objects.order_by("pk").first()
    sample_member = SampleMember.objects.select_related("sample").order_by("pk").first()
    upload = FrameUpload.objects.order_by("pk").first()
    triaged = TriagedItem.objects.order_by("pk").first()
    project_pk = project.pk if project else 999_999
    found: dict[str, dict[str, Any]] = {
        "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "abc-abcdef"},
        "accounts:token_revoke": {"pk": pk(APIToken)},
        "events:public_cancel": {"token": "unbekannt"},
        # An open link's token is sent by the municipality; a list is removable only before the field period.
        "officials_answer:link": {"token": "unbekannt"},
        "officials:list_remove": {"pk": upload.wave_id if upload else 999_999,
                                  "upload_pk": upload.pk if upload else 999_999},
        "responses:page": {"number": 1},
        "core:task_detail": {"pk": pk(TaskRun)},
        "core:task_download": {"pk": pk(TaskRun)},
        # Files made in the background (decision 0024): a task of another kind, so a German 404.
        "surveys:questionnaire_pdf_download": {"pk": project_pk, "version": 1, "run_pk": pk(TaskRun)},
        "events:badges_download": {"slug": registration.event.slug if registration else "unbekannt",
                                   "run_pk": pk(TaskRun)},
        "evidence:evidence_package_download": {"pk": case.pk if case else 999_999, "run_pk": pk(TaskRun)},
        "intake:report_done": {"pk": case.pk if case else 999_999},
        "cases:case_task_done": {"pk": task.case_id if task else 999_999, "task_id": task.pk if task else 1},
        "cases:case_team_remove": {"pk": member.case_id if member else 999_999,
                                   "member_id": member.pk if member else 1},
        "events:attendance": {"slug": registration.event.slug if registration else "unbekannt",
                              "pk": registration.pk if registration else 1},
        "sampling:mapping": {"project_pk": extract.project_id if extract else project_pk,
                             "pk": extract.pk if extract else 999_999},
        "sampling:report": {"project_pk": extract.project_id if extract else project_pk,
                            "pk": extract.pk if extract else 999_999},
        "sampling:report_csv": {"project_pk": extract.project_id if extract else project_pk,
                                "pk": extract.pk if extract else 999_999},
        "sampling:extract_delete": {"project_pk": extract.project_id if extract else project_pk,
                                    "pk": extract.pk if extract else 999_999},
        "sampling:rendering": {"project_pk": project_pk, "pk": pk(TaskRun)},
        "sampling:reminders_again": {"project_pk": project_pk, "round_": 1},
        "sampling:member_detail": {"project_pk": sample_member.sample.project_id if sample_member else project_pk,
                                   "number": sample_member.number if sample_member else 1},
        # The walk meets the practice project first, whose results are not computed (so no download link).
        "findings:export_estimates": {"project_pk": (StoredResults.objects.order_by("pk").values_list(
            "project_id", flat=True).first() or project_pk), "fmt": "csv"},
        # The demo's thread is imported (its column dialog and removal answer with a redirect); decisions are
        # forms on the triage page.
        "onlinehate:mapping": _thread_arguments(ThreadImport),
        "onlinehate:discard": _thread_arguments(ThreadImport),
        "onlinehate:decide": {"pk": triaged.case_id if triaged else 999_999,
                              "item_pk": triaged.pk if triaged else 999_999},
        "responses:compare": {"project_pk": sample_member.sample.project_id if sample_member else project_pk,
                              "number": sample_member.number if sample_member else 1},
    }
    if phase is not None:
        found["engagements:phase_edit"] = {"pk": phase.analysis.engagement_id, "phase_pk": phase.pk}
    if follow_up is not None:
        found["engagements:task_complete"] = {"pk": follow_up.consultation.engagement_id, "task_pk": follow_up.pk}
    else:  # the demo has no follow-up task: a consultation's address with a task that does not exist
        consultation = Consultation.objects.order_by("pk").first()
        found["engagements:task_complete"] = {"pk": consultation.pk if consultation else 999_999,
                                              "task_pk": 999_999}
    return found


def _fetch(client: Any, path: str) -> Any:
    return client.get(path, HTTP_ACCEPT="text/html")


def allowed_identifiers() -> frozenset[str]:
    """Identifiers that are data, not field names: the item codes an analyst gave the questions of a
    questionnaire (the survey's variable names, also in its exports) and the names of API tokens."""
    from kommunalschutz.foundation.accounts.models import APIToken
    from kommunalschutz.surveys.projects.models import Item

    return frozenset(["sicherheit_markt",  # the item form's example of a variable name
                      *Item.objects.values_list("code", flat=True),
                      *APIToken.objects.values_list("name", flat=True),
                      *APIToken.objects.values_list("prefix", flat=True)])


def check(response: Any, name: str, persona: str | None, path: str, failures: list[str],
          allowed: frozenset[str] = frozenset()) -> list[str]:
    who = persona or "anonymous"
    if response.status_code >= 500:
        failures.append(f"{name} {path} as {who}: server error {response.status_code}")
        return []
    if "text/html" not in response.get("Content-Type", "") or name in SLOW_FILES:
        return []
    html = response.content.decode("utf-8", "replace")
    found, targets = problems_of(html, allowed)
    failures.extend(f"{name} {path} as {who}: {problem}" for problem in found)
    return targets


def walk(client: Any, login: Any) -> tuple[list[str], dict[str, set[str | None]]]:
    """The failures, and per pattern the personas it was walked as."""
    users = {user.username: user for user in User.objects.all()}
    patterns = [(name, route) for name, route in _patterns() if name not in NOT_WALKED]
    everyone = Harvest()
    fallback = fallback_arguments()
    allowed = allowed_identifiers()
    failures: list[str] = []
    walked: dict[str, set[str | None]] = {name: set() for name, _route in patterns}

    def as_persona(persona: str | None) -> None:
        client.logout()
        if persona is not None:
            login(users[persona])

    def visit(persona: str | None, name: str, route: str, path: str, own: Harvest) -> None:
        if FILE_ROUTES.search(route) and name in SLOW_FILES:
            return
        response = _fetch(client, path)
        walked[name].add(persona)
        for target in check(response, name, persona, path, failures, allowed):
            own.add(path, target)
            everyone.add(path, target)

    # Round by round: a pattern is fetched as soon as the persona's own pages gave its arguments.
    for persona in PERSONAS:
        as_persona(persona)
        own = Harvest()
        pending = list(patterns)
        progress = True
        while pending and progress:
            progress = False
            for name, route in list(pending):
                path = own.path(name, route)
                if path is None:
                    continue
                pending.remove((name, route))
                progress = True
                visit(persona, name, route, path, own)
    # Then what the persona's pages did not lead to, with the arguments any persona saw (mostly refusals).
    for persona in PERSONAS:
        as_persona(persona)
        for name, route in patterns:
            if persona in walked[name]:
                continue
            path = everyone.path(name, route)
            if path is None and name in fallback:
                path = reverse(name, kwargs=fallback[name])
            if path is not None:
                visit(persona, name, route, path, Harvest())
    client.logout()
    response = _fetch(client, reverse("accounts:logout"))
    check(response, "accounts:logout", None, reverse("accounts:logout"), failures)
    return failures, walked


def test_every_page_speaks_german_to_every_role(demo_db: DemoData, client: Any, login: Any) -> None:
    failures, walked = walk(client, login)
    not_walked = sorted(name for name, personas in walked.items()
                        if not personas and name not in SLOW_FILES)
    assert not (not_walked or failures), (f"patterns whose arguments no page gave: {not_walked}\n"
                                          f"{len(set(failures))} findings:\n" + "\n".join(sorted(set(failures))))


# --- the checker itself --------------------------------------------------------------------------------


def _texts() -> Iterator[tuple[str, bool]]:
    yield "<p>Bitte speichern Sie das Formular. Name: Müller, Status: offen</p>", False
    yield "<p>Not- und Hilfsangebote in Pirna, https://www.pirna.de/the_page</p>", False
    yield "<p>Please save the form.</p>", True
    yield '<input type="submit" value="Submit">', True
    yield '<input placeholder="registry.municipality">', True
    yield "<p>state: awaiting_review</p>", True
    yield "<script>var the_value = 'This field is required';</script><p>Gut</p>", False
    yield '<nav class="main-nav"><a href="/">Home of the site</a></nav><p>Start</p>', True
    yield '<p lang="en">All in all, how safe do you feel?</p><p>Wie sicher fühlen Sie sich?</p>', False
    yield '<textarea name="text_en">Please tick one answer</textarea>', False
    yield '<a href="/x" class="awaiting_review">Prüfung</a>', False


@pytest.mark.parametrize(("html", "english"), list(_texts()))
def test_the_checker_finds_english_and_field_names_only_in_visible_text(html: str, english: bool) -> None:
    found, _targets = problems_of(html)
    assert bool(found) == english, found
