"""What the sync and async clients share: building requests and reading answers."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError, to_jsonable_python

from .errors import AirlockApiError, IdempotencyConflictError, InvalidRequestError
from .models import ErrorBody

MAX_WAIT_MS = 30_000


def check_base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise InvalidRequestError(f'url: must be an http(s) URL, got "{url}"', [("url", "must be an http(s) URL")])
    return url.rstrip("/")


def check_api_key(api_key: str) -> str:
    if not api_key:
        raise InvalidRequestError("api_key: the agent API key is required", [("api_key", "required")])
    return api_key


def headers(api_key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_key}", "accept": "application/json"}


AGENT_HEADER = "airlock-agent-id"
"""Names the agent the caller means; the server refuses it (403) unless it is the key's agent."""


def agent_headers(agent_id: str | None) -> dict[str, str] | None:
    """The header naming the agent, when the caller names one (the key alone decides otherwise)."""
    if agent_id is None:
        return None
    if not isinstance(agent_id, str) or not agent_id:
        raise InvalidRequestError(f"agent_id: must be a non-empty string, got {agent_id!r}", [("agent_id", "must be a non-empty string")])
    return {AGENT_HEADER: agent_id}


def action_path(action_id: str, suffix: str = "") -> str:
    return f"/api/v1/actions/{quote(action_id, safe='')}{suffix}"


NON_FINITE = "must be a finite number"
"""The server's and the TypeScript SDK's words for NaN and Infinity, which JSON has no way to say."""


def json_issues(value: Any, path: str, _within: frozenset[int] = frozenset()) -> list[tuple[str, str]]:
    """Where ``value`` cannot be sent as the JSON it says: NaN and Infinity (pydantic and ``json`` would quietly send
    ``null``, or fail with a bare ValueError) and objects with no JSON form. Values pydantic writes as JSON (a
    datetime, a Decimal, a tuple, a model) are walked in that form."""
    if value is None or isinstance(value, (str, bool, int)):
        return []
    if isinstance(value, float):
        return [] if math.isfinite(value) else [(path, NON_FINITE)]
    if isinstance(value, (dict, list, tuple)):
        if id(value) in _within:
            return [(path, "must be JSON: it contains itself")]
        within = _within | {id(value)}
        members = value.items() if isinstance(value, dict) else enumerate(value)
        return [issue for key, member in members for issue in json_issues(member, f"{path}.{key}", within)]
    try:
        written = to_jsonable_python(value)
    except (PydanticSerializationError, ValueError):
        return [(path, f"must be JSON (an object, array, string, number, boolean or null), got {type(value).__name__}")]
    return json_issues(written, path, _within)


def check_json(fields: dict[str, Any]) -> None:
    """Refuses, naming the field, what would not reach the server as sent (``json_issues``): nothing is sent."""
    issues = [issue for name, value in fields.items() for issue in json_issues(value, name)]
    if issues:
        raise InvalidRequestError("; ".join(f"{path}: {message}" for path, message in issues), issues)


def body_of(model_type: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """Validates a request body before anything is sent; a bad field raises InvalidRequestError naming it."""
    check_json(fields)
    try:
        model = model_type.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        issues = [(".".join(str(p) for p in e["loc"]) or "(body)", _issue_message(e)) for e in error.errors()]
        raise InvalidRequestError("; ".join(f"{path}: {message}" for path, message in issues), issues) from None
    return model.model_dump(mode="json", exclude_none=True)


def _issue_message(error: Any) -> str:
    # A field the API does not know is said as the server and the TypeScript SDK say it, not pydantic's "Extra inputs are not permitted".
    if error["type"] == "extra_forbidden" and error["loc"]:
        return f'Unrecognized key: "{error["loc"][-1]}"'
    return str(error["msg"])


def clamp_wait_ms(wait_ms: float) -> int:
    return max(0, min(int(wait_ms), MAX_WAIT_MS))


def retry_after(response: httpx.Response) -> float | None:
    """The answer's ``Retry-After`` in seconds (the server sends ``1`` with a pending answer), or None when it has
    none in seconds (an HTTP date counts as none: the polls' floor applies)."""
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def elsewhere(response: httpx.Response, what: str) -> str:
    """A server that is not Airlock's console (a wrong port, a proxy's page), named with the call, not just its status."""
    request = response.request
    base = f"{request.url.scheme}://{request.url.netloc.decode()}"
    return f"{base} answered {request.method} {request.url.path} with {response.status_code} and {what}: is {base} Airlock's console?"


def read(response: httpx.Response, answer: TypeAdapter[Any]) -> Any:
    """A successful answer's JSON body checked against ``answer`` (what the call answers); an error answer becomes
    the client's exception. A body of another shape (a console of another version, a server that is not Airlock)
    is a ``bad_response`` naming the server and the call, not a pydantic error or a missing field later."""
    text = response.text
    try:
        body = json.loads(text) if text else None
    except ValueError:
        raise AirlockApiError(response.status_code, "bad_response", elsewhere(response, "a body that is not JSON")) from None
    if not response.is_success:
        raise error_from(response.status_code, body, response)
    try:
        return answer.validate_python(body)
    except ValidationError as error:
        issues = [(".".join(str(p) for p in e["loc"]) or "(body)", str(e["msg"])) for e in error.errors()]
        detail = "; ".join(f"{path}: {message}" for path, message in issues)
        message = elsewhere(response, f"a body this client does not understand ({detail})").removesuffix("?") + ", of a version this client speaks?"
        raise AirlockApiError(response.status_code, "bad_response", message, issues) from None


def unreachable(base: str, method: str, path: str, error: httpx.TransportError) -> AirlockApiError:
    """No answer (refused, unknown host, reset, timed out): httpx's own message names neither the server nor the call."""
    return AirlockApiError(0, "unreachable", f"cannot reach Airlock at {base} ({method} {path}): {str(error) or type(error).__name__}")


def error_from(status: int, body: Any, response: httpx.Response) -> AirlockApiError:
    try:
        detail = ErrorBody.model_validate(body).error
    except ValidationError:
        return AirlockApiError(status, "unknown", elsewhere(response, "no Airlock error in its body"))
    issues = [(issue.path, issue.message) for issue in detail.issues or []]
    if status == 400 and detail.code == "invalid_request":
        message = "; ".join(f"{path}: {msg}" for path, msg in issues) if issues else detail.message.removeprefix("invalid request: ")
        return InvalidRequestError(message, issues)
    if status == 409 and detail.code == "idempotency_conflict":
        return IdempotencyConflictError(detail.message)
    return AirlockApiError(status, detail.code, detail.message, issues)
