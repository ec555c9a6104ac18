"""List endpoints answer by the documented rule (docs/roles-and-permissions.md, docs/api.md): a role that may
read none of the kind gets 404 for the list, as for one object, not 200 with an empty list."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kommunalschutz.config.api import api as ninja_api

# The caller's own things: every account has them, so every account gets its (possibly empty) list.
PERSONAL = {"/me", "/tokens", "/notifications"}


def token_list_paths() -> list[str]:
    """Every GET under /api/v1/ that needs a token and has no path parameter (the lists and overviews)."""
    document = json.loads(json.dumps(ninja_api.get_openapi_schema()))
    return sorted(path.removeprefix("/api/v1") for path, operations in document["paths"].items()
                  if "get" in operations and operations["get"].get("security") and "{" not in path)


def test_the_lists_include_those_that_had_been_wrong() -> None:
    assert {"/alliance/agreements", "/cases", "/engagements", "/councils", "/surveys/projects"} <= set(
        token_list_paths())


@pytest.mark.parametrize("persona", ["outsider", "auditor"])
def test_a_role_without_access_gets_404_for_every_list(world: Any, api: Any, persona: str) -> None:
    """The outsider has no role; the auditor reads the audit trail and nothing else."""
    answers = {path: api.get(getattr(world, persona), path).status_code for path in token_list_paths()}
    assert {path: status for path, status in answers.items() if path not in PERSONAL and status != 404} == {}
    assert {path: answers[path] for path in PERSONAL} == dict.fromkeys(PERSONAL, 200)


def test_a_municipal_coordinator_of_another_municipality_gets_an_empty_list_of_agreements(
        world: Any, api: Any) -> None:
    """A role that may read some agreements lists those it may read, here none (the rule is per role)."""
    response = api.get(world.plauen_coordinator, "/alliance/agreements")
    assert (response.status_code, response.json()) == (200, [])
