"""The REST API under /api/v1/: one NinjaAPI, one router per app that has endpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema

from kommunalschutz.alliance.councils.api import router as councils_router
from kommunalschutz.alliance.engagements.api import router as engagements_router
from kommunalschutz.alliance.events.api import router as events_router
from kommunalschutz.alliance.insights.api import router as insights_router
from kommunalschutz.alliance.programme.api import router as alliance_router
from kommunalschutz.foundation.accounts.api import router as accounts_router
from kommunalschutz.foundation.core.schemas import ErrorOut, RequestErrorOut
from kommunalschutz.foundation.registry.api import router as registry_router
from kommunalschutz.foundation.web.guard import LARGEST_INTEGER, JSONParser, install_api_handlers
from kommunalschutz.protection.assessments.api import router as assessments_router
from kommunalschutz.protection.cases.api import router as cases_router
from kommunalschutz.protection.casestats.api import router as casestats_router
from kommunalschutz.protection.evidence.api import router as evidence_router
from kommunalschutz.protection.intake.api import router as intake_router
from kommunalschutz.protection.measures.api import router as measures_router
from kommunalschutz.situation.api import router as situation_router
from kommunalschutz.surveys.findings.api import router as findings_router
from kommunalschutz.surveys.officials.api import router as officials_router
from kommunalschutz.surveys.projects.api import router as surveys_router


def _ref(schema: type[ErrorOut | RequestErrorOut]) -> dict[str, Any]:
    return {"$ref": REF_TEMPLATE.format(model=schema.__name__)}


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_framework_answers(document: dict[str, Any]) -> None:
    """Add the answers django-ninja gives before an endpoint runs to every operation that can get them.

    401 where a token is required (missing, unknown, expired or revoked); 400 where a body is read (not
    JSON); 422 with ninja's list of errors where parameters or a body are validated against the schema,
    beside an endpoint's own 422 (messages per field) where it has one.
    """
    schemas = document["components"]["schemas"]
    for model in (ErrorOut, RequestErrorOut):
        generated = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema)
        schemas.update(generated.pop("$defs", {}))
        schemas[model.__name__] = generated
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if operation.get("security"):
                responses.setdefault(401, _answer("No valid token (missing, unknown, expired or revoked)",
                                                  _ref(ErrorOut)))
            if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
                responses.setdefault(404, _answer("Not found, not visible to the caller, or a path parameter "
                                                  "of the wrong type", _ref(ErrorOut)))
            if operation.get("requestBody"):
                responses.setdefault(400, _answer("The body is not JSON", _ref(ErrorOut)))
            if operation.get("parameters") or operation.get("requestBody"):
                own = responses.get(422, {}).get("content", {}).get("application/json", {}).get("schema")
                schema = {"anyOf": [own, _ref(RequestErrorOut)]} if own else _ref(RequestErrorOut)
                responses[422] = _answer("Invalid input (nothing was changed)", schema)


@csrf_exempt
def unknown_path(request: HttpRequest, path: str) -> JsonResponse:
    """404 as JSON for an address under /api/v1/ that no operation has (also a path parameter of the wrong
    type, e.g. a word where an id belongs), instead of the HTML page for the web interface."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


# Any text the API's JSON parser accepts (web.guard.JSONParser refuses control characters in every string
# of a body, keys included); the document says so for every string and property name of a request body.
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
JSON_VALUE = "JsonValue"


def _text_rule(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> None:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _text_rule(components[name], components, seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for item in schema.get(key, []):
            _text_rule(item, components, seen)
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & schema.keys():
        schema["pattern"] = TEXT_PATTERN
    if schema.get("type") == "integer":  # the parser refuses what no database column holds (64 bits)
        schema.setdefault("minimum", -LARGEST_INTEGER)
        schema.setdefault("maximum", LARGEST_INTEGER)
    if schema.get("type") == "object" or "properties" in schema:
        schema.setdefault("propertyNames", {"pattern": TEXT_PATTERN})
        schema.setdefault("additionalProperties", {"$ref": REF_TEMPLATE.format(model=JSON_VALUE)})
        for item in schema.get("properties", {}).values():
            _text_rule(item, components, seen)
    if isinstance(schema.get("items"), dict):
        _text_rule(schema["items"], components, seen)


def document_text_rule(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    components[JSON_VALUE] = {"anyOf": [
        {"type": "null"}, {"type": "boolean"},
        {"type": "number", "minimum": -LARGEST_INTEGER, "maximum": LARGEST_INTEGER},
        {"type": "string", "pattern": TEXT_PATTERN},
        {"type": "array", "items": {"$ref": REF_TEMPLATE.format(model=JSON_VALUE)}, "maxItems": 3},
        {"type": "object", "propertyNames": {"pattern": TEXT_PATTERN}, "maxProperties": 3,
         "additionalProperties": {"$ref": REF_TEMPLATE.format(model=JSON_VALUE)}},
    ], "description": "any JSON value whose texts have no control characters"}
    seen: set[str] = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                _text_rule(body["schema"], components, seen)
                operation["responses"].setdefault(415, _answer("The body is not sent as application/json",
                                                               _ref(ErrorOut)))


class KommunalschutzAPI(NinjaAPI):
    """The one API; its OpenAPI document also lists the framework's own answers (see the contract tests)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_framework_answers(document)
        document_text_rule(document)
        return document


api = KommunalschutzAPI(
    title="Kommunalschutz API",
    version="1",
    urls_namespace="api-v1",
    parser=JSONParser(),
    description=(
        "Registry data is open data and needs no authentication. Everything else takes a bearer token "
        "(`Authorization: Bearer <token>`), created in the web interface or with `kommunalschutz createtoken`."
    ),
)
install_api_handlers(api)  # German answers for bad input (decision 0017)
api.add_router("/", registry_router)
api.add_router("/", accounts_router)
api.add_router("/", alliance_router)
api.add_router("/", engagements_router)
api.add_router("/", councils_router)
api.add_router("/", events_router)
api.add_router("/", insights_router)
api.add_router("/", cases_router)
api.add_router("/", intake_router)
api.add_router("/", evidence_router)
api.add_router("/", assessments_router)
api.add_router("/", measures_router)
api.add_router("/", casestats_router)
api.add_router("/", surveys_router)
api.add_router("/", findings_router)
api.add_router("/", officials_router)
api.add_router("/", situation_router)
