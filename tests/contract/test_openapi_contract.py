"""schemathesis against the real API, in the test process: every operation, all checks, 0 failures.

The API is called through its WSGI application in this process, on the test database of the run (SQLite
or PostgreSQL), as the state coordinator, who reaches every part of the API. Examples are bounded and
derandomized, so a run is reproducible and takes a few minutes at most (docs/api.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kommunalschutz.foundation.accounts.models import APIToken
from kommunalschutz.foundation.accounts.services import create_token, hash_token
from tests.factories import (
    AgreementFactory,
    CaseFactory,
    CouncilFactory,
    EngagementFactory,
    EventFactory,
    MeasureFactory,
    PartnerFactory,
)
from tests.survey_factories import QuestionnaireFactory, SurveyProjectFactory

EXAMPLES_PER_OPERATION = 10


@schemathesis.check
def schema_valid_input_passes_the_framework(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the document calls valid must get past ninja's validation (no 400 for a JSON body, no 422
    with ninja's list of errors): else the schema promises more than the endpoint accepts.

    This replaces schemathesis' positive_data_acceptance, which refuses every 422. An endpoint may still
    answer a schema-valid request with its own documented 422 (ValidationErrorOut, messages per field) for
    what no schema can say: an unknown municipality key, a date in the future, a step the case cannot take.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    body: dict[str, Any] = response.json() if response.status_code in (400, 422) else {}
    # 400 for a JSON body: the parser refused what the document allows. (A multipart part that schemathesis
    # sends without a file name is a form field to Django, not an upload; its 400 is no contract question.)
    unreadable = response.status_code == 400 and case.media_type == "application/json"
    if unreadable or (response.status_code == 422 and isinstance(body.get("detail"), list)):
        raise AssertionError(f"Schema-valid request refused by the framework's validation: {body}")
    return None


def _real_objects(world: Any) -> dict[str, list[Any]]:
    """One object of each kind the paths name, so that operations also answer with their documents, not
    only with 404 for the ids the fuzzer makes up."""
    case = CaseFactory.create(municipality=world.pirna)
    project = SurveyProjectFactory.create(municipality=world.pirna)
    return {
        "ags": [world.pirna.ags],
        "agreement_id": [AgreementFactory.create(municipality=world.pirna, police_directorate=world.dresden_pd,
                                                 coordination_office=world.coordination_office).pk],
        "engagement_id": [EngagementFactory.create(municipality=world.pirna).pk],
        "council_id": [CouncilFactory.create(municipality=world.pirna).pk],
        "slug": [EventFactory.create(public_token="contract-test-event").slug],
        "case_id": [case.pk],
        "measure_id": [MeasureFactory.create(case=case).pk],
        "partner_id": [PartnerFactory.create().pk],
        "project_id": [project.pk],
        "version": [QuestionnaireFactory.create(project=project).version],
        # A second token: revoking the one the fuzzer sends would answer everything after it with 401.
        "token_id": [APIToken.objects.get(token_hash=hash_token(create_token(
            actor=world.coordinator, user=world.coordinator, name="to revoke", days=1))).pk],
    }


def _with_real_objects(real: dict[str, list[Any]]) -> Any:
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        """Half of the time a real object's key instead of the generated one, where that one is of the
        documented type (a schema-violating value stays, so negative tests stay negative)."""
        if not path_parameters:
            return st.just(path_parameters)
        return st.fixed_dictionaries({
            name: st.sampled_from([value, *real[name]])
            if name in real and type(value) is type(real[name][0]) else st.just(value)
            for name, value in path_parameters.items()})

    return flatmap_path_parameters


@pytest.fixture
def api_schema(world: Any) -> Iterator[Any]:
    # The WSGI handler closes the database connection before and after each request, which would end the
    # test's transaction (on PostgreSQL: "the connection is closed"); Django's test client keeps it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        token = create_token(actor=world.coordinator, user=world.coordinator, name="contract", days=1)
        # identity: the WSGI client does not undo Content-Encoding, and the large public answers are sent
        # gzipped to clients that accept it (decision 0033; tested in their own tests).
        schema.config.headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
        schema.hook(_with_real_objects(_real_objects(world)))
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_keeps_its_contract(case: Any) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance],
                           additional_checks=[schema_valid_input_passes_the_framework])
