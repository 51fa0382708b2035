"""Every client operation, written once, without I/O.

An operation is a generator: it yields the requests it needs (``Call``) and the pauses
it takes (``Sleep``), and gets back each answer's JSON body (or the error, thrown into
it). The sync and the async client differ only in how they carry those out
(``Airlock._drive`` / ``AsyncAirlock._drive``), so retries, long polls and validation
behave the same in both.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Generator, Iterable, TypeVar

from pydantic import TypeAdapter

from . import _core
from .errors import UNKNOWN_PHASE, AirlockApiError, AuthorizationTimeoutError, InvalidRequestError, is_transient
from .models import (
    PLAN_TOOL,
    ActionLiveStatus,
    AgentSelf,
    Authorization,
    AuthorizationRequestBody,
    CancelResult,
    PendingAuthorization,
    PendingOutcome,
    PlanArgs,
    PlanStep,
    ReportFailed,
    ReportSucceeded,
    RunClaimBody,
    RunClaimed,
    SubmitActionBody,
    SubmittedAction,
    authorization_adapter,
    outcome_adapter,
    outcome_answer_adapter,
)

MAX_RETRY_DELAY_S = 5.0
MIN_POLL_INTERVAL_S = 1.0
"""A pending answer's next poll is sent no sooner than this after the last one (or the server's Retry-After, if
longer): with ``poll_wait_ms=0``, or a server that answers early, waits ask once a second, never in a busy loop.
The TypeScript SDK's is the same."""
MAX_POLL_INTERVAL_S = 30.0
"""The longest Retry-After a wait honours between two polls."""
DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_S = 60.0
"""``check_authorization``'s overall deadline when the caller sets none (the TypeScript SDK's ``timeoutMs`` default)."""
FIRST_RETRY_DELAY_S = 0.25
CHECK_FIRST_RETRY_DELAY_S = 0.1
"""``check_authorization``'s first pause after a transient failure, doubled after each one (at most
``MAX_RETRY_DELAY_S``): the TypeScript SDK's ``checkAuthorization`` backs off alike."""

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One request and what it answers: the driver checks the JSON body against ``answer`` (``_core.read``, so no
    call takes its answer unchecked) and sends back the validated value."""

    method: str
    path: str
    answer: TypeAdapter[Any]
    json: Any = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    """Sent beside the client's own (the agent header)."""
    polled: bool = False
    """A poll of a wait: the driver sends back ``Polled`` (the value and the answer's Retry-After)."""
    wait_ms: int | None = None
    """A long poll's ``waitMs``, the server's to hold the answer that long: the driver waits that much longer for it."""
    about: str | None = None
    """The action the answer must be about (its ``actionId``): one about another action is refused as ``bad_response``
    (``_core.refuse_other_action``), never used."""


@dataclass(frozen=True)
class Polled:
    value: Any
    retry_after: float | None
    """The answer's ``Retry-After`` in seconds, when it had one (``_core.retry_after``)."""


@dataclass(frozen=True)
class Sleep:
    seconds: float


Op = Generator[Call | Sleep, Any, T]

_submitted = TypeAdapter(SubmittedAction)
_live_status = TypeAdapter(ActionLiveStatus)
_cancelled = TypeAdapter(CancelResult)
_agent_self = TypeAdapter(AgentSelf)
_run_claimed = TypeAdapter(RunClaimed)


def submit(tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None, requested_by: str | None, signals: dict[str, Any] | None, agent_id: str | None = None) -> Op[SubmittedAction]:
    body = _core.body_of(SubmitActionBody, dict(tool=tool, args=args, idempotencyKey=idempotency_key, rationale=rationale, requestedBy=requested_by, signals=signals))
    submitted: SubmittedAction = yield Call("POST", "/api/v1/actions", _submitted, json=body, headers=_core.agent_headers(agent_id))
    return submitted


def plan_args(steps: Iterable[PlanStep | dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    return PLAN_TOOL, _core.body_of(PlanArgs, {"steps": [s.model_dump() if isinstance(s, PlanStep) else s for s in steps]})


def status(action_id: str) -> Op[ActionLiveStatus]:
    live: ActionLiveStatus = yield Call("GET", _core.action_path(action_id, "/status"), _live_status)
    return live


def cancel(action_id: str) -> Op[CancelResult]:
    cancelled: CancelResult = yield Call("POST", _core.action_path(action_id, "/cancel"), _cancelled)
    return cancelled


def _long_poll(path: str, answer: TypeAdapter[Any], wait_ms: float, *, headers: dict[str, str] | None = None, polled: bool = False, about: str | None = None) -> Call:
    """A GET the server may hold up to ``wait_ms`` (whole milliseconds, at most ``MAX_WAIT_MS``) before it answers."""
    whole_ms = _core.clamp_wait_ms(wait_ms)
    return Call("GET", path, answer, params={"waitMs": whole_ms}, headers=headers, polled=polled, wait_ms=whole_ms, about=about)


def _poll_wait_ms(poll_wait_ms: int, deadline: float | None) -> int:
    """A long poll holds no longer than the time left before the caller's deadline."""
    return poll_wait_ms if deadline is None else _core.clamp_wait_ms(min(poll_wait_ms, (deadline - time.monotonic()) * 1000))


def _pause_after_pending(sent_at: float, retry_after: float | None, deadline: float | None) -> Op[None]:
    """Waits until the next poll may be sent: ``MIN_POLL_INTERVAL_S`` or the server's Retry-After (at most
    ``MAX_POLL_INTERVAL_S``) after the last one was sent, never past the deadline. A long poll that held that
    long already is asked again at once."""
    interval = min(max(retry_after or 0.0, MIN_POLL_INTERVAL_S), MAX_POLL_INTERVAL_S)
    pause = sent_at + interval - time.monotonic()
    if deadline is not None:
        pause = min(pause, deadline - time.monotonic())
    if pause > 0:
        yield Sleep(pause)


def _poll(call: Call, deadline: float | None, is_pending: type, delay: float) -> Op[tuple[bool, Any, float]]:
    """One poll of a wait: ``(True, value, delay)`` once ``value`` is not pending, else ``(False, None, delay)``
    after the pause the answer asks for (pending) or the retry delay (a transient error, the delay doubled)."""
    sent_at = time.monotonic()
    try:
        polled: Polled = yield call
    except Exception as error:
        if not is_transient(error):
            raise
        yield Sleep(delay)
        return False, None, min(delay * 2, MAX_RETRY_DELAY_S)
    if not isinstance(polled.value, is_pending):
        return True, polled.value, FIRST_RETRY_DELAY_S
    yield from _pause_after_pending(sent_at, polled.retry_after, deadline)
    return False, None, FIRST_RETRY_DELAY_S


def wait(action_id: str, *, poll_wait_ms: int, timeout: float | None) -> Op[Any]:
    """Long-polls the outcome, riding out restarts and network blips; TimeoutError after ``timeout`` seconds. An
    answer about another action is ``bad_response``, raised at once."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = FIRST_RETRY_DELAY_S
    while True:
        # An outcome of another action (a mixed-up answer) is refused, not taken as this one's nor asked again.
        call = _long_poll(_core.action_path(action_id, "/outcome"), outcome_answer_adapter, _poll_wait_ms(poll_wait_ms, deadline), polled=True, about=action_id)
        done, answered, delay = yield from _poll(call, deadline, PendingOutcome, delay)
        if done:
            return answered
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"action {action_id} has no outcome yet")


def run(tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None, requested_by: str | None, signals: dict[str, Any] | None, poll_wait_ms: int, timeout: float | None, agent_id: str | None = None) -> Op[Any]:
    submitted = yield from submit(tool, args, idempotency_key=idempotency_key, rationale=rationale, requested_by=requested_by, signals=signals, agent_id=agent_id)
    return (yield from wait(submitted.actionId, poll_wait_ms=poll_wait_ms, timeout=timeout))


def authorize(tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None, requested_by: str | None, signals: dict[str, Any] | None, report_within_ms: int | None, agent_id: str | None = None) -> Op[SubmittedAction]:
    body = _core.body_of(AuthorizationRequestBody, dict(tool=tool, args=args, idempotencyKey=idempotency_key, rationale=rationale, requestedBy=requested_by, signals=signals, reportWithinMs=report_within_ms))
    submitted: SubmittedAction = yield Call("POST", "/api/v1/authorizations", _submitted, json=body, headers=_core.agent_headers(agent_id))
    return submitted


def _authorization_call(action_id: str, wait_ms: float, agent_id: str | None, *, polled: bool = False) -> Call:
    # An answer about another action (a cache or proxy that mixed answers up, a misrouted call) is refused: an
    # authorized one would have the agent run that action's arguments. Not transient, so no wait asks again.
    return _long_poll(_core.action_path(action_id, "/authorization"), authorization_adapter, wait_ms, headers=_core.agent_headers(agent_id), polled=polled, about=action_id)


def authorization(action_id: str, *, wait_ms: int, agent_id: str | None = None) -> Op[Any]:
    return (yield _authorization_call(action_id, wait_ms, agent_id))


def check_authorization(action_id: str, *, wait_ms: int, timeout: float, agent_id: str | None = None) -> Op[Any]:
    """Waits through classification, then up to ``wait_ms`` for a person; pending only while a person must decide.
    Still before a person after ``timeout`` seconds in all: ``AuthorizationTimeoutError``. A transient failure (503
    when no worker answers the status query, 502/504, the console unreachable) is asked again until then, not raised."""
    if not timeout >= 0:
        raise InvalidRequestError(f"timeout: must be a number of seconds >= 0, got {timeout!r}", [("timeout", "must be a number of seconds >= 0")])
    deadline = time.monotonic() + timeout
    # A transient failure is still "not yet": the deadline, not the first such answer, ends the wait, naming the
    # last phase read (or none: unknown, the last failure its cause), as the TypeScript SDK's checkAuthorization does.
    phase = UNKNOWN_PHASE
    last_failure: Exception | None = None
    retry_delay = CHECK_FIRST_RETRY_DELAY_S
    while True:
        state: Any = None
        try:
            state = yield from authorization(action_id, wait_ms=min(wait_ms, max(deadline - time.monotonic(), 0) * 1000), agent_id=agent_id)
        except Exception as error:
            if not is_transient(error):
                raise
            last_failure = error
        if state is not None and (not isinstance(state, PendingAuthorization) or state.phase == "awaiting_approval"):
            return state
        if state is not None:
            phase = state.phase
        if time.monotonic() >= deadline:
            raise AuthorizationTimeoutError(action_id, phase, timeout, last_failure)
        # Never a busy loop: after a quick pending answer, 100 ms; after a failure, a pause that doubles.
        pause = 0.1 if wait_ms < 100 else 0.0
        if state is None:
            pause, retry_delay = retry_delay, min(retry_delay * 2, MAX_RETRY_DELAY_S)
        if pause > 0:
            yield Sleep(min(pause, max(deadline - time.monotonic(), 0)))


def await_authorization(action_id: str, *, poll_wait_ms: int, timeout: float | None, agent_id: str | None = None) -> Op[Any]:
    """Long-polls until the action is authorized or ended, as ``wait`` does; TimeoutError after ``timeout`` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = FIRST_RETRY_DELAY_S
    while True:
        call = _authorization_call(action_id, _poll_wait_ms(poll_wait_ms, deadline), agent_id, polled=True)
        done, state, delay = yield from _poll(call, deadline, PendingAuthorization, delay)
        if done:
            return state
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"action {action_id} is not decided yet")


def _check_authorization(authorization: Any, what: str) -> None:
    if not isinstance(authorization, Authorization):
        # E.g. the Denied that await_authorization returned: an AttributeError would not say what went wrong.
        got = getattr(authorization, "status", type(authorization).__name__)
        message = f'must be the Authorization that await_authorization returned (status "authorized"), got {got}: nothing was authorized to run, so there is nothing to {what}'
        raise InvalidRequestError(f"authorization: {message}", [("authorization", message)])


#: How long a claim or a report is sent again through network errors and 502/503/504, as the TypeScript SDK does.
RESEND_FOR_S = 30.0
#: Unanswered claims a client remembers: enough for every call a process has in flight, bounded all the same.
MAX_UNANSWERED_CLAIMS = 1_000


def _resent(call: Call) -> Op[Any]:
    """``call``'s answer, sent again through network errors and 502/503/504 for up to ``RESEND_FOR_S``; the error
    that answered last once that time is up, or at once for any other."""
    deadline = time.monotonic() + RESEND_FOR_S
    delay = FIRST_RETRY_DELAY_S
    while True:
        try:
            answered = yield call
            return answered
        except Exception as error:
            if not is_transient(error) or time.monotonic() + delay > deadline:
                raise
        yield Sleep(delay)
        delay = min(delay * 2, MAX_RETRY_DELAY_S)


class UnansweredClaims:
    """The runner ids of claims that got no answer (the claim raised, or was cut off, before the server answered it),
    by action; one per client, as the TypeScript SDK's ``UnansweredClaims``. Such a claim may have been recorded with
    its answer lost: claimed again under a new id it would be refused as another runner's (409 ``conflict``), the tool
    never run, so the next claim of that action claims as the same runner. Bounded: past ``limit`` the oldest are
    forgotten (their next claim uses a new id)."""

    def __init__(self, limit: int = MAX_UNANSWERED_CLAIMS) -> None:
        self._limit = limit
        self._runner_ids: dict[str, str] = {}

    def claim(self, action_id: str, authorization: Authorization, *, runner_id: str | None) -> Op[RunClaimed]:
        """Claims the authorized run before the tool starts: as ``runner_id`` when given, else as the runner of this
        action's unanswered claim, else as a new random runner. Sent again with the same id through network errors and
        502/503/504 for up to ``RESEND_FOR_S``. A given ``runner_id`` is the caller's to manage (to claim again with,
        after no answer): it is never remembered, and the memory is left as it is. A remembered runner is taken out
        of the memory while it is sent, so that two claims of one action at once (two tasks of an async client) are
        two runners and only one of them runs the tool."""
        _check_authorization(authorization, "claim")
        runner = runner_id if runner_id is not None else self._runner_ids.get(action_id) or uuid.uuid4().hex
        body = _core.body_of(RunClaimBody, dict(authorizationId=authorization.authorizationId, runnerId=runner))
        if runner_id is None:
            self._runner_ids.pop(action_id, None)
        answered = False
        try:
            claimed: RunClaimed = yield from _resent(Call("POST", _core.action_path(action_id, "/claim"), _run_claimed, json=body))
            answered = True
            return claimed
        except AirlockApiError as error:
            # A 4xx answers this runner's claim (refused: another runner's, no longer usable, bad input); a 5xx or no
            # answer does not.
            answered = 400 <= error.status < 500
            raise
        finally:
            # Also when the driver closes the operation cut off by an exception of its own (an asyncio cancellation).
            if not answered and runner_id is None:
                self._remember(action_id, runner)

    def _remember(self, action_id: str, runner_id: str) -> None:
        self._runner_ids[action_id] = runner_id
        while len(self._runner_ids) > self._limit:
            del self._runner_ids[next(iter(self._runner_ids))]


def report(action_id: str, authorization: Authorization, *, output: Any, error: str | None) -> Op[Any]:
    """Reports the tool's run, sent again through network errors and 502/503/504 for up to ``RESEND_FOR_S``: the
    server takes the same report twice (answering with the recorded outcome), and one given up would leave the action
    authorized until it expired, the run unrecorded. An error too large for the report's body is cut to fit
    (``_core.error_to_send``)."""
    _check_authorization(authorization, "report")
    if error is not None:
        body = _core.body_of(ReportFailed, dict(authorizationId=authorization.authorizationId, args=authorization.args, error=_core.error_to_send(error or "the tool failed")))
    else:
        body = _succeeded_report(authorization, output)
    return (yield from _resent(Call("POST", _core.action_path(action_id, "/report"), outcome_adapter, json=body)))


def _succeeded_report(authorization: Authorization, output: Any) -> dict[str, Any]:
    """A succeeded report's body, whatever ``output`` holds. The tool has run: a report refused for its content would
    leave the action authorized until it expired as not used (its budget released) and the agent free to run the tool
    again. An output with a JSON form goes in it; one without (NaN, Infinity, an object with no JSON form, a cycle, a
    nesting pydantic cannot write) goes in the server's storable form (``_core.unstorable_output``), naming the first
    problem as the server and the TypeScript SDK do (``output.took: must be a finite number``); so does one whose JSON
    would not fit in the report's body (``_core.too_large_to_send``: the server would refuse the report with 413)."""
    fields = dict(authorizationId=authorization.authorizationId, args=authorization.args)
    try:
        issues = _core.json_issues(output, "output")
        if issues:
            path, message = issues[0]
            problem = f"{path}: {message}"
        else:
            body = ReportSucceeded(**fields, output=output).model_dump(mode="json")
            problem = _core.too_large_to_send(body["output"])
            if problem is None:
                return body
    except (RecursionError, ValueError) as error:  # PydanticSerializationError is a ValueError
        problem = f"output: must be JSON: writing it failed ({type(error).__name__}: {error})"
    return ReportSucceeded(**fields, output=_core.unstorable_output(output, problem)).model_dump(mode="json")


def me() -> Op[AgentSelf]:
    agent: AgentSelf = yield Call("GET", "/api/v1/agents/me", _agent_self)
    return agent
