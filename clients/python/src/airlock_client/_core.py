"""What the sync and async clients share: building requests and reading answers."""

from __future__ import annotations

import json
import math
import re
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


OUTPUT_NOT_STORABLE = "output not storable as sent"
"""The ``airlock`` member of an output sent in the server's storable form (``unstorable_output``)."""
REPORT_OUTPUT_JSON_MAX_LENGTH = 128 * 1024
"""The most characters (UTF-16 code units, as the server counts) of an unstorable output's JSON text: one stored string."""
PROBLEM_MAX_LENGTH = 1_000
"""The most characters of an unstorable output's problem the server keeps."""
REPORT_BODY_MAX_BYTES = 16 * 1024 * 1024
"""The most bytes of a report's body the server reads (``REPORT_BODY_MAX_BYTES`` in ``@airlock/core/report-storage``);
a larger one is refused with 413 and the run never recorded."""
MAX_SENT_OUTPUT_BYTES = REPORT_BODY_MAX_BYTES - 2 * 1024 * 1024
"""The most bytes of JSON an output is sent as: the authorized arguments beside it in the report's body may take up to
about 1 MiB (a request body's bound). The TypeScript SDK's is the same."""

MAX_SENT_ERROR_BYTES = MAX_SENT_OUTPUT_BYTES
"""The most bytes of UTF-8 an error is sent as, the room an output has. The TypeScript SDK's is the same."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(text: str) -> str:
    """A Python str can hold a lone surrogate (``surrogateescape`` decoding), which UTF-8 cannot carry nor the
    server store: written as its JSON escape (``\\udcff``), as the server writes one."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def cut_text_marked(text: str, max_length: int) -> str:
    """``text`` within ``max_length`` characters counted as the server counts them (UTF-16 code units): as is when it
    fits, else a prefix cut on a code-point boundary followed by the server's marker of how much was cut."""
    units = text.encode("utf-16-le", "surrogatepass")
    total = len(units) // 2
    if total <= max_length:
        return text
    kept = max_length
    while True:
        prefix_units = units[: 2 * max(0, kept)]
        # A high surrogate as the last unit kept: its low half was cut, so drop it too (never half an emoji).
        if len(prefix_units) >= 2 and 0xD800 <= int.from_bytes(prefix_units[-2:], "little") <= 0xDBFF:
            prefix_units = prefix_units[:-2]
        prefix = prefix_units.decode("utf-16-le", "surrogatepass")
        cut = total - len(prefix_units) // 2
        marked = f"{prefix}… [cut by Airlock: {cut} of {total} characters]"
        # The marker's digits depend on the cut, so shrink the prefix until prefix and marker fit.
        if _utf16_length(marked) <= max_length or not prefix:
            return marked
        kept = len(prefix_units) // 2 - (_utf16_length(marked) - max_length)


def error_to_send(error: str) -> str:
    """A report's ``error`` as it is sent: as it is when its UTF-8 fits in ``MAX_SENT_ERROR_BYTES`` (the server keeps
    4,000 characters and records the cut), else the first part that fits, cut on a code-point boundary, marked ``…
    [cut by the Airlock client: N of M characters]`` (UTF-16 code units, as the server counts): a larger body would be
    refused with 413, the run never recorded. The TypeScript SDK's rule."""
    encoded = error.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_SENT_ERROR_BYTES:
        return error
    end = MAX_SENT_ERROR_BYTES
    while encoded[end] & 0xC0 == 0x80:  # a continuation byte: the cut would fall inside a code point
        end -= 1
    kept = encoded[:end].decode("utf-8", "surrogatepass")
    total = _utf16_length(error)
    return f"{kept} … [cut by the Airlock client: {total - _utf16_length(kept)} of {total} characters]"


def _json_like(value: Any, within: frozenset[int]) -> Any:
    """``value`` as ``json.dumps`` can write it: a repeated container as ``"[cycle]"`` (the server's word), what pydantic
    writes as JSON in that form, any other object as its ``repr``. NaN and Infinity are kept (written ``NaN``)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (dict, list, tuple)):
        if id(value) in within:
            return "[cycle]"
        inside = within | {id(value)}
        if isinstance(value, dict):
            return {key if isinstance(key, str) else str(key): _json_like(member, inside) for key, member in value.items()}
        return [_json_like(member, inside) for member in value]
    try:
        written = to_jsonable_python(value)
    except (PydanticSerializationError, ValueError):
        return repr(value)
    return _json_like(written, within)


def _json_text(output: Any) -> str:
    """A best-effort JSON-like text of ``output`` (``_json_like``), never raising."""
    try:
        return json.dumps(_json_like(output, frozenset()), ensure_ascii=False, allow_nan=True, separators=(",", ":"))
    except (RecursionError, ValueError, TypeError):
        try:
            return json.dumps(repr(output), ensure_ascii=False)
        except (RecursionError, ValueError, TypeError):
            return json.dumps(f"<{type(output).__name__}>")


def too_large_to_send(written: Any) -> str | None:
    """Why an output, written as JSON (``model_dump(mode="json")``), would not fit in a report's body, or None. The
    TypeScript SDK's words: ``output: JSON of 17000511 bytes, more than a report carries (14680064)``."""
    sent = len(json_body(written))
    return f"output: JSON of {sent} bytes, more than a report carries ({MAX_SENT_OUTPUT_BYTES})" if sent > MAX_SENT_OUTPUT_BYTES else None


def unstorable_output(output: Any, problem: str) -> dict[str, str]:
    """The form the server stores an output in when it cannot store it as sent (``storableReportResult`` in
    ``@airlock/core/report-storage``): ``{"airlock": "output not storable as sent", "problem": "output.took: must be a
    finite number", "json": "<its JSON text, cut on a code-point boundary to 131,072 characters, marked>"}``.
    Within the server's limits, so it is stored in this form; not redacted here (the server redacts it, credential-named
    keys inside the text too)."""
    return {
        "airlock": OUTPUT_NOT_STORABLE,
        "problem": cut_text_marked(_escape_surrogates(problem), PROBLEM_MAX_LENGTH),
        "json": cut_text_marked(_escape_surrogates(_json_text(output)), REPORT_OUTPUT_JSON_MAX_LENGTH),
    }


def content_headers(body: Any) -> dict[str, str]:
    return {} if body is None else {"content-type": "application/json"}


def content(body: Any) -> bytes | None:
    """What a call sends: nothing, or its body as JSON text (``json_body``)."""
    return None if body is None else json_body(body)


def json_body(body: Any) -> bytes:
    """A request body as JSON text in UTF-8. A lone surrogate (which UTF-8 cannot carry, and on which httpx's own
    encoding raises) is written as its JSON escape ``\\udcff``: it can only stand inside a JSON string, so the text
    stays JSON, and the server decides what to do with it (a report's output or error: stored in a storable form)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8", "backslashreplace")


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


def read(response: httpx.Response, answer: TypeAdapter[Any], about: str | None = None) -> Any:
    """A successful answer's JSON body checked against ``answer`` (what the call answers); an error answer becomes
    the client's exception. A body of another shape (a console of another version, a server that is not Airlock)
    is a ``bad_response`` naming the server and the call, not a pydantic error or a missing field later; so is an
    answer about another action than ``about``, when given (``refuse_other_action``)."""
    text = response.text
    try:
        body = json.loads(text) if text else None
    except ValueError:
        raise AirlockApiError(response.status_code, "bad_response", elsewhere(response, "a body that is not JSON")) from None
    if not response.is_success:
        raise error_from(response.status_code, body, response)
    try:
        value = answer.validate_python(body)
    except ValidationError as error:
        issues = [(".".join(str(p) for p in e["loc"]) or "(body)", str(e["msg"])) for e in error.errors()]
        detail = "; ".join(f"{path}: {message}" for path, message in issues)
        message = elsewhere(response, f"a body this client does not understand ({detail})").removesuffix("?") + ", of a version this client speaks?"
        raise AirlockApiError(response.status_code, "bad_response", message, issues) from None
    return refuse_other_action(response, value, about)


def refuse_other_action(response: httpx.Response, value: Any, about: str | None) -> Any:
    """``value`` when it is about the action ``about`` names (or ``about`` is None). An answer about another action (a
    cache or proxy that mixed answers up, a misrouted call) is refused as ``bad_response`` naming both ids, never
    used: an ``authorized`` one would have the agent run that action's arguments. The TypeScript SDK's words."""
    other = getattr(value, "actionId", None)
    if about is None or other == about:
        return value
    asked = f"{response.request.method} {response.request.url.raw_path.decode('ascii')}"
    ids = f"{json.dumps(other, ensure_ascii=False)}, not {json.dumps(about, ensure_ascii=False)}"
    raise AirlockApiError(response.status_code, "bad_response", f"{asked} answered about action {ids}: the answer ({getattr(value, 'status', '?')}) is not for this action and was not used")


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
