"""The OpenAPI document names each schema once: one component name, one Python schema class.

django-ninja collects the components of every operation into one dictionary keyed by the class name; a
second class of the same name in another app silently replaces the first, and the document then shows an
operation with another app's fields. These tests walk every operation of the assembled API, so a new
collision anywhere fails here (docs/decisions/0018-unique-schema-names.md).
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from collections import defaultdict
from typing import Annotated, Any

import pytest
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel, TypeAdapter, WithJsonSchema

from kommunalschutz.config.api import JSON_VALUE, TEXT_PATTERN, api
from kommunalschutz.foundation.core.schemas import ErrorOut, RequestErrorOut, ValidationErrorOut
from kommunalschutz.foundation.web.guard import LARGEST_INTEGER
from kommunalschutz.protection.cases.schemas import CaseEventOut, CaseMessageIn, MessageOut
from kommunalschutz.protection.intake.schemas import MessageIn


def _models_in(annotation: Any, found: set[type]) -> None:
    """Every pydantic model and enumeration an annotation names (each becomes a component), through list[...],
    X | None, dict[...] and nested fields; not an enumeration whose schema is given inline (WithJsonSchema)."""
    if typing.get_origin(annotation) is Annotated:
        if not any(isinstance(meta, WithJsonSchema) for meta in annotation.__metadata__):
            _models_in(typing.get_args(annotation)[0], found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    if typing.get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            _models_in(argument, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in found:
        found.add(annotation)
        for field in annotation.model_fields.values():
            if not any(isinstance(meta, WithJsonSchema) for meta in field.metadata):
                _models_in(field.annotation, found)


def schema_classes() -> set[type]:
    """The schema classes of every operation (parameters, bodies, answers) of the API under /api/v1/."""
    found: set[type] = set()
    # The framework's own answers, which config.api adds to every operation that can get them.
    _models_in(ErrorOut, found)
    _models_in(RequestErrorOut, found)
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _models_in(model, found)
                for model in operation.response_models.values():
                    _models_in(model, found)
    return found


def classes_by_name(classes: set[type]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = defaultdict(set)
    for cls in classes:
        names[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    return names


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return dict(json.loads(json.dumps(api.get_openapi_schema())))


def _component(cls: type, mode: typing.Literal["validation", "serialization"]) -> dict[str, Any]:
    schema = TypeAdapter(cls).json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema,
                                          mode=mode)
    schema.pop("$defs", None)
    return schema


def _without_text_rule(schema: Any) -> Any:
    """A component as its class generates it: without what config.api adds for the JSON parser's text rule."""
    if isinstance(schema, list):
        return [_without_text_rule(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    stripped = {key: _without_text_rule(value) for key, value in schema.items()
                if not (key == "pattern" and value == TEXT_PATTERN) and key != "propertyNames"
                and not (key in ("minimum", "maximum") and value in (LARGEST_INTEGER, -LARGEST_INTEGER))
                and not (key == "additionalProperties" and value == {"$ref": REF_TEMPLATE.format(model=JSON_VALUE)})}
    return stripped


def test_no_two_schema_classes_share_a_component_name() -> None:
    collisions = {name: sorted(paths) for name, paths in classes_by_name(schema_classes()).items() if len(paths) > 1}
    assert collisions == {}


def test_the_collision_check_finds_a_planted_collision() -> None:
    """Two classes of one name in two modules, as cases and intake had with MessageIn, are reported."""
    planted = {CaseMessageIn, MessageIn, type("MessageIn", (CaseMessageIn,), {"__module__": "elsewhere"})}
    assert classes_by_name(planted)["MessageIn"] == {"kommunalschutz.protection.intake.schemas.MessageIn",
                                                     "elsewhere.MessageIn"}


def test_every_component_is_the_schema_of_its_one_class(document: dict[str, Any]) -> None:
    """Each component in the document is exactly what its class generates: nothing replaced by a namesake."""
    classes = {cls.__name__: cls for cls in schema_classes()}
    components = document["components"]["schemas"]
    wrong = []
    for name, component in components.items():
        cls = classes.get(name)
        if name == JSON_VALUE:
            continue
        if cls is None:
            wrong.append(f"{name}: no schema class of the API has this name")
        elif _without_text_rule(component) not in (_component(cls, "validation"), _component(cls, "serialization")):
            wrong.append(f"{name}: differs from {cls.__module__}.{cls.__qualname__}")
    assert wrong == []


def test_every_reference_in_the_document_resolves(document: dict[str, Any]) -> None:
    references = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", json.dumps(document)))
    assert references
    assert references - set(document["components"]["schemas"]) == set()


def _body_ref(document: dict[str, Any], path: str, method: str) -> str:
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return str(body["$ref"]).rsplit("/", 1)[-1]


def _answer_ref(document: dict[str, Any], path: str, method: str, status: str) -> str:
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    schema = schema.get("items", schema)
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def test_the_case_messages_are_documented_with_the_case_schemas(document: dict[str, Any]) -> None:
    path = "/api/v1/cases/{case_id}/messages"
    assert _body_ref(document, path, "post") == "CaseMessageIn"
    assert set(document["components"]["schemas"]["CaseMessageIn"]["properties"]) == set(CaseMessageIn.model_fields)
    assert set(document["components"]["schemas"]["CaseMessageIn"]["properties"]) == {"body", "kind"}
    assert _answer_ref(document, path, "post", "201") == "MessageOut"
    assert _answer_ref(document, path, "get", "200") == MessageOut.__name__


def test_the_anonymous_reply_keeps_the_intake_schema(document: dict[str, Any]) -> None:
    assert _body_ref(document, "/api/v1/public/reports/messages", "post") == "MessageIn"
    assert set(document["components"]["schemas"]["MessageIn"]["properties"]) >= {"receipt", "passphrase", "body"}


def test_events_and_case_timelines_have_their_own_schemas(document: dict[str, Any]) -> None:
    assert _answer_ref(document, "/api/v1/events", "get", "200") == "EventOut"
    assert "slug" in document["components"]["schemas"]["EventOut"]["properties"]
    timeline = document["components"]["schemas"]["CaseDetailOut"]["properties"]["events"]["items"]["$ref"]
    assert timeline.endswith("/" + CaseEventOut.__name__)
    assert "by_reporter" in document["components"]["schemas"]["CaseEventOut"]["properties"]


def test_engagements_members_and_municipalities_reference_their_own_app(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    page = components[_answer_ref(document, "/api/v1/engagements", "get", "200")]
    engagement = components[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]]
    target = engagement["properties"]["target"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[target]["properties"]) == {"type", "ags", "name"}
    members = components[_answer_ref(document, "/api/v1/alliance/members", "get", "200")]
    member = members["properties"]["municipalities"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[member]["properties"]) == {"ags", "name", "district"}
    municipality = components[_answer_ref(document, "/api/v1/municipalities/{ags}", "get", "200")]
    assert set(components[municipality["properties"]["contact"]["$ref"].rsplit("/", 1)[-1]]["properties"]) == {
        "office_title", "street", "postcode", "city", "phone", "fax", "email", "website", "as_of"}


def test_the_error_answers_use_the_shared_error_schemas(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    assert components["ErrorOut"] == _component(ErrorOut, "serialization")
    assert components["ValidationErrorOut"] == _component(ValidationErrorOut, "serialization")
