"""The client's models against the OpenAPI document the server serves: drift fails here."""

from __future__ import annotations

import copy
import typing
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from airlock_client.models import ALL_MODELS

# Every endpoint the client calls, with its method.
CALLED = {
    ("post", "/api/v1/actions"),
    ("get", "/api/v1/actions/{id}/status"),
    ("get", "/api/v1/actions/{id}/outcome"),
    ("post", "/api/v1/actions/{id}/cancel"),
    ("post", "/api/v1/authorizations"),
    ("get", "/api/v1/actions/{id}/authorization"),
    ("post", "/api/v1/actions/{id}/claim"),
    ("post", "/api/v1/actions/{id}/report"),
    ("get", "/api/v1/agents/me"),
}


@pytest.fixture(scope="module")
def document(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/api/v1/openapi.json", timeout=30)
    response.raise_for_status()
    return response.json()


def component(document: dict[str, Any], name: str) -> dict[str, Any]:
    """A component schema; ``Name#value`` picks the oneOf variant whose ``status`` enum is that value."""
    base, _, variant = name.partition("#")
    schema = document["components"]["schemas"][base]
    if not variant:
        return schema
    for option in schema["oneOf"]:
        if option["properties"]["status"].get("enum") == [variant]:
            return option
    raise KeyError(f"{name}: no variant with status {variant!r}")


def literal_values(model: type[BaseModel], field: str) -> list[Any] | None:
    annotation = model.model_fields[field].annotation
    return list(typing.get_args(annotation)) if typing.get_origin(annotation) is typing.Literal else None


def drift(model: type[BaseModel], schema: dict[str, Any]) -> list[str]:
    """What differs between a model and its schema: properties, required fields, literal values."""
    problems: list[str] = []
    name = model.__openapi__  # type: ignore[attr-defined]
    properties = schema.get("properties", {})
    fields = set(model.model_fields)
    for missing in sorted(set(properties) - fields):
        problems.append(f"{name}.{missing}: in the OpenAPI document, not in {model.__name__}")
    for extra in sorted(fields - set(properties)):
        problems.append(f"{name}.{extra}: in {model.__name__}, not in the OpenAPI document")
    # A literal discriminator with a default is still always sent, so it counts as required.
    required = {f for f, info in model.model_fields.items() if info.is_required() or literal_values(model, f) is not None}
    for field in sorted(set(schema.get("required", [])) ^ required):
        where = "required by the document" if field in schema.get("required", []) else f"required by {model.__name__}"
        problems.append(f"{name}.{field}: {where} only")
    for field in fields & set(properties):
        values = literal_values(model, field)
        enum = properties[field].get("enum")
        if values is not None and enum is not None and sorted(values, key=str) != sorted(enum, key=str):
            problems.append(f"{name}.{field}: values {values} in {model.__name__}, {enum} in the document")
    return problems


def test_every_model_matches_its_component(document):
    problems = [p for model in ALL_MODELS for p in drift(model, component(document, model.__openapi__))]  # type: ignore[attr-defined]
    assert problems == []


def test_every_endpoint_the_client_calls_is_in_the_document(document):
    served = {(method, path) for path, item in document["paths"].items() for method in item}
    assert CALLED - served == set()


def test_a_drifted_document_is_caught(document):
    # The comparison itself: a property added, one dropped, and a requirement changed all show.
    changed = copy.deepcopy(document)
    schema = changed["components"]["schemas"]["SubmittedAction"]
    schema["properties"]["approvalUrl"] = {"type": "string"}
    del schema["properties"]["argsHash"]
    schema["required"].remove("created")
    from airlock_client.models import SubmittedAction

    assert drift(SubmittedAction, component(changed, "SubmittedAction")) == [
        "SubmittedAction.approvalUrl: in the OpenAPI document, not in SubmittedAction",
        "SubmittedAction.argsHash: in SubmittedAction, not in the OpenAPI document",
        "SubmittedAction.created: required by SubmittedAction only",
    ]
