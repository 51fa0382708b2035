"""Sync and async clients over Airlock's REST API, authenticated by the agent's key.

Both carry out the same operations (``_ops``): they differ only in how a request is
sent and a pause is taken.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Iterable

import httpx

from . import _core, _ops
from .models import ActionLiveStatus, AgentSelf, Authorization, CancelResult, Executed, PlanStep, RunClaimed, SubmittedAction

Outcome = Any  # Executed | Denied | Expired | Failed | Cancelled (see models.ActionOutcome)
AuthState = Any  # Authorization | PendingAuthorization | an outcome (see models.AuthorizationState)

DEFAULT_POLL_WAIT_MS = 20_000


LONG_POLL_MARGIN_S = 15.0
"""How much longer than its ``waitMs`` a long poll's answer is waited for: the server's own work and the network."""


def _timeout(poll_wait_ms: int) -> httpx.Timeout:
    # A long poll holds the connection up to poll_wait_ms: reads may take that long and more.
    return httpx.Timeout(10.0, read=poll_wait_ms / 1000 + LONG_POLL_MARGIN_S)


def _request_timeout(client: httpx.Timeout, step: _ops.Call) -> httpx.Timeout:
    """The client's timeouts, with a long poll's read at least its own ``waitMs`` plus ``LONG_POLL_MARGIN_S``: a
    wait asked for longer than the client's read timeout (``authorization(wait_ms=20_000)`` on a client made with
    ``poll_wait_ms=0``, or an ``http`` client of the caller's) would otherwise time out and read as unreachable."""
    if step.wait_ms is None or client.read is None:
        return client
    read = max(client.read, step.wait_ms / 1000 + LONG_POLL_MARGIN_S)
    return httpx.Timeout(connect=client.connect, read=read, write=client.write, pool=client.pool)


@dataclass(frozen=True)
class ActionHandle:
    """A submitted action: poll it, wait for it, or cancel it. Rebuild one from the id after a restart."""

    client: Airlock
    action_id: str
    created: bool = False

    def status(self) -> ActionLiveStatus:
        return self.client.status(self.action_id)

    def result(self, timeout: float | None = None) -> Outcome:
        return self.client.wait(self.action_id, timeout=timeout)

    def cancel(self) -> CancelResult:
        return self.client.cancel(self.action_id)


@dataclass(frozen=True)
class AsyncActionHandle:
    client: AsyncAirlock
    action_id: str
    created: bool = False

    async def status(self) -> ActionLiveStatus:
        return await self.client.status(self.action_id)

    async def result(self, timeout: float | None = None) -> Outcome:
        return await self.client.wait(self.action_id, timeout=timeout)

    async def cancel(self) -> CancelResult:
        return await self.client.cancel(self.action_id)


class Airlock:
    """The agent-side client (blocking). Every call goes through the same gate as every other channel:
    validated, idempotent by key, durable, audited.

    >>> airlock = Airlock("http://localhost:3000", api_key="alk_...")
    >>> outcome = airlock.run("payments.refund", {...}, idempotency_key="refund-881")

    ``poll_wait_ms`` is how long each long poll of a wait (``run``, ``wait``, ``await_authorization``) waits on the
    server (default 20 s, at most 30 s). 0 asks without waiting, but a pending answer's next poll still goes no
    sooner than the server's ``Retry-After`` (at least 1 s) after the last: never a busy loop. A wait's
    ``timeout`` also bounds each long poll. Arguments and signals are sent as the JSON they are: NaN, Infinity or an
    object with no JSON form raise ``InvalidRequestError`` naming the field, before sending. A report (its tool has run)
    is always sent: such an output goes in the server's storable form (``{"airlock": "output not storable as sent",
    "problem": ..., "json": ...}``)."""

    def __init__(self, url: str, api_key: str, *, poll_wait_ms: int = DEFAULT_POLL_WAIT_MS, http: httpx.Client | None = None) -> None:
        self._base = _core.check_base_url(url)
        self._headers = _core.headers(_core.check_api_key(api_key))
        self._poll_wait_ms = _core.clamp_wait_ms(poll_wait_ms)
        self._http = http or httpx.Client(timeout=_timeout(self._poll_wait_ms))
        self._claims = _ops.UnansweredClaims()

    def __enter__(self) -> Airlock:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _drive(self, op: _ops.Op[_ops.T]) -> _ops.T:
        try:
            step = next(op)
            while True:
                if isinstance(step, _ops.Sleep):
                    time.sleep(step.seconds)
                    step = op.send(None)
                    continue
                try:
                    response = self._http.request(step.method, f"{self._base}{step.path}", headers={**self._headers, **_core.content_headers(step.json), **(step.headers or {})}, content=_core.content(step.json), params=step.params, timeout=_request_timeout(self._http.timeout, step))
                    body = _core.read(response, step.answer, step.about)
                except httpx.TransportError as error:  # handed to the operation, which retries what is transient
                    step = op.throw(_core.unreachable(self._base, step.method, step.path, error))
                    continue
                except Exception as error:
                    step = op.throw(error)
                    continue
                step = op.send(_ops.Polled(body, _core.retry_after(response)) if step.polled else body)
        except StopIteration as done:
            return done.value
        finally:
            op.close()  # cut off by an exception of the driver's own (a cancellation): the operation's cleanup runs now

    # ---- actions the worker runs

    def start(self, tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None = None, requested_by: str | None = None, signals: dict[str, Any] | None = None, agent_id: str | None = None) -> ActionHandle:
        """Submits without waiting; ``created`` is False when the key matched an earlier action."""
        submitted = self._drive(_ops.submit(tool, args, idempotency_key=idempotency_key, rationale=rationale, requested_by=requested_by, signals=signals, agent_id=agent_id))
        return ActionHandle(self, submitted.actionId, submitted.created)

    def run(self, tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None = None, requested_by: str | None = None, signals: dict[str, Any] | None = None, timeout: float | None = None, agent_id: str | None = None) -> Outcome:
        """Submits and waits for the outcome: executed, denied (with feedback for the model), expired, failed or cancelled."""
        return self._drive(_ops.run(tool, args, idempotency_key=idempotency_key, rationale=rationale, requested_by=requested_by, signals=signals, poll_wait_ms=self._poll_wait_ms, timeout=timeout, agent_id=agent_id))

    def start_plan(self, steps: Iterable[PlanStep | dict[str, Any]], *, idempotency_key: str, rationale: str | None = None, agent_id: str | None = None) -> ActionHandle:
        """A multi-step plan: one approval covers every step; a failing step rolls back the completed ones."""
        return self.start(*_ops.plan_args(steps), idempotency_key=idempotency_key, rationale=rationale, agent_id=agent_id)

    def run_plan(self, steps: Iterable[PlanStep | dict[str, Any]], *, idempotency_key: str, rationale: str | None = None, timeout: float | None = None, agent_id: str | None = None) -> Outcome:
        return self.run(*_ops.plan_args(steps), idempotency_key=idempotency_key, rationale=rationale, timeout=timeout, agent_id=agent_id)

    def action(self, action_id: str) -> ActionHandle:
        return ActionHandle(self, action_id)

    def status(self, action_id: str) -> ActionLiveStatus:
        return self._drive(_ops.status(action_id))

    def cancel(self, action_id: str) -> CancelResult:
        return self._drive(_ops.cancel(action_id))

    def wait(self, action_id: str, *, timeout: float | None = None) -> Outcome:
        """Long-polls the outcome, riding out restarts and network blips; TimeoutError after ``timeout`` seconds."""
        return self._drive(_ops.wait(action_id, poll_wait_ms=self._poll_wait_ms, timeout=timeout))

    # ---- gate-only actions the agent runs itself

    def authorize(self, tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None = None, requested_by: str | None = None, signals: dict[str, Any] | None = None, report_within_ms: int | None = None, agent_id: str | None = None) -> SubmittedAction:
        """Asks Airlock to decide an action the agent will run itself; then ``await_authorization`` and ``report``."""
        return self._drive(_ops.authorize(tool, args, idempotency_key=idempotency_key, rationale=rationale, requested_by=requested_by, signals=signals, report_within_ms=report_within_ms, agent_id=agent_id))

    def authorization(self, action_id: str, *, wait_ms: int = 0, agent_id: str | None = None) -> AuthState:
        """Authorized (with the arguments to run), pending, or the outcome; long-polls up to ``wait_ms``."""
        return self._drive(_ops.authorization(action_id, wait_ms=wait_ms, agent_id=agent_id))

    def check_authorization(self, action_id: str, *, wait_ms: int = 2_000, timeout: float = _ops.DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_S, agent_id: str | None = None) -> AuthState:
        """For approval hooks: waits through classification, then up to ``wait_ms`` for a person.
        Pending only while a person must decide (phase ``awaiting_approval``). Still before a person
        after ``timeout`` seconds in all (default 60): ``AuthorizationTimeoutError`` (a ``TimeoutError``).
        A transient failure (503 when no worker answers, 502/504, Airlock unreachable) is asked again until
        then, not raised; the error then names the phase last read, or ``unknown`` with that failure as its cause."""
        return self._drive(_ops.check_authorization(action_id, wait_ms=wait_ms, timeout=timeout, agent_id=agent_id))

    def await_authorization(self, action_id: str, *, timeout: float | None = None, agent_id: str | None = None) -> AuthState:
        """Waits until the action is authorized or ended (denied, expired, cancelled, or already reported)."""
        return self._drive(_ops.await_authorization(action_id, poll_wait_ms=self._poll_wait_ms, timeout=timeout, agent_id=agent_id))

    def claim_run(self, action_id: str, authorization: Authorization, *, runner_id: str | None = None) -> RunClaimed:
        """Claims the authorized run before starting the tool, so that no other process runs it too. ``runner_id`` is a
        random id per run attempt (made here when not given), sent again with the same id through network errors and
        502/503/504 for up to 30 s, so a claim whose answer was lost gets the same answer. A claim that raised without
        an answer (Airlock unreachable past 30 s, a 5xx) may have been recorded: this client claims that action again as
        the same runner, so calling ``claim_run`` again is the retry (with a ``runner_id`` of the caller's, call it
        again with that id: the client does not remember it). Another runner's claim is an ``AirlockApiError``
        409 ``conflict``: do not run the tool (it may have run there; its result shows in Airlock once reported). An
        authorization no longer usable (expired, revoked, reported) is a 409 ``decision_rejected``."""
        return self._drive(self._claims.claim(action_id, authorization, runner_id=runner_id))

    def report(self, action_id: str, authorization: Authorization, *, output: Any = None, error: str | None = None) -> Outcome:
        """Reports the agent's own run with exactly the authorized arguments; ``error`` marks it failed. Idempotent:
        sent again through network errors and 502/503/504 for up to 30 s. Never refused for what ``output`` holds:
        one with no JSON form is sent in the server's storable form; nor for an ``error`` too large to send (past
        14 MiB of UTF-8), which is cut to fit and marked."""
        return self._drive(_ops.report(action_id, authorization, output=output, error=error))

    def me(self) -> AgentSelf:
        """The agent that owns the key, and the tools it may request."""
        return self._drive(_ops.me())


class AsyncAirlock:
    """The same client for asyncio (``async with AsyncAirlock(url, api_key) as airlock: ...``); see ``Airlock`` for each call."""

    def __init__(self, url: str, api_key: str, *, poll_wait_ms: int = DEFAULT_POLL_WAIT_MS, http: httpx.AsyncClient | None = None) -> None:
        self._base = _core.check_base_url(url)
        self._headers = _core.headers(_core.check_api_key(api_key))
        self._poll_wait_ms = _core.clamp_wait_ms(poll_wait_ms)
        self._http = http or httpx.AsyncClient(timeout=_timeout(self._poll_wait_ms))
        self._claims = _ops.UnansweredClaims()

    async def __aenter__(self) -> AsyncAirlock:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def _drive(self, op: _ops.Op[_ops.T]) -> _ops.T:
        try:
            step = next(op)
            while True:
                if isinstance(step, _ops.Sleep):
                    await asyncio.sleep(step.seconds)
                    step = op.send(None)
                    continue
                try:
                    response = await self._http.request(step.method, f"{self._base}{step.path}", headers={**self._headers, **_core.content_headers(step.json), **(step.headers or {})}, content=_core.content(step.json), params=step.params, timeout=_request_timeout(self._http.timeout, step))
                    body = _core.read(response, step.answer, step.about)
                except httpx.TransportError as error:  # handed to the operation, which retries what is transient
                    step = op.throw(_core.unreachable(self._base, step.method, step.path, error))
                    continue
                except Exception as error:
                    step = op.throw(error)
                    continue
                step = op.send(_ops.Polled(body, _core.retry_after(response)) if step.polled else body)
        except StopIteration as done:
            return done.value
        finally:
            op.close()  # cut off by an exception of the driver's own (a cancellation): the operation's cleanup runs now

    async def start(self, tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None = None, requested_by: str | None = None, signals: dict[str, Any] | None = None, agent_id: str | None = None) -> AsyncActionHandle:
        submitted = await self._drive(_ops.submit(tool, args, idempotency_key=idempotency_key, rationale=rationale, requested_by=requested_by, signals=signals, agent_id=agent_id))
        return AsyncActionHandle(self, submitted.actionId, submitted.created)

    async def run(self, tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None = None, requested_by: str | None = None, signals: dict[str, Any] | None = None, timeout: float | None = None, agent_id: str | None = None) -> Outcome:
        return await self._drive(_ops.run(tool, args, idempotency_key=idempotency_key, rationale=rationale, requested_by=requested_by, signals=signals, poll_wait_ms=self._poll_wait_ms, timeout=timeout, agent_id=agent_id))

    async def start_plan(self, steps: Iterable[PlanStep | dict[str, Any]], *, idempotency_key: str, rationale: str | None = None, agent_id: str | None = None) -> AsyncActionHandle:
        return await self.start(*_ops.plan_args(steps), idempotency_key=idempotency_key, rationale=rationale, agent_id=agent_id)

    async def run_plan(self, steps: Iterable[PlanStep | dict[str, Any]], *, idempotency_key: str, rationale: str | None = None, timeout: float | None = None, agent_id: str | None = None) -> Outcome:
        return await self.run(*_ops.plan_args(steps), idempotency_key=idempotency_key, rationale=rationale, timeout=timeout, agent_id=agent_id)

    def action(self, action_id: str) -> AsyncActionHandle:
        return AsyncActionHandle(self, action_id)

    async def status(self, action_id: str) -> ActionLiveStatus:
        return await self._drive(_ops.status(action_id))

    async def cancel(self, action_id: str) -> CancelResult:
        return await self._drive(_ops.cancel(action_id))

    async def wait(self, action_id: str, *, timeout: float | None = None) -> Outcome:
        return await self._drive(_ops.wait(action_id, poll_wait_ms=self._poll_wait_ms, timeout=timeout))

    async def authorize(self, tool: str, args: dict[str, Any], *, idempotency_key: str, rationale: str | None = None, requested_by: str | None = None, signals: dict[str, Any] | None = None, report_within_ms: int | None = None, agent_id: str | None = None) -> SubmittedAction:
        return await self._drive(_ops.authorize(tool, args, idempotency_key=idempotency_key, rationale=rationale, requested_by=requested_by, signals=signals, report_within_ms=report_within_ms, agent_id=agent_id))

    async def authorization(self, action_id: str, *, wait_ms: int = 0, agent_id: str | None = None) -> AuthState:
        return await self._drive(_ops.authorization(action_id, wait_ms=wait_ms, agent_id=agent_id))

    async def check_authorization(self, action_id: str, *, wait_ms: int = 2_000, timeout: float = _ops.DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_S, agent_id: str | None = None) -> AuthState:
        return await self._drive(_ops.check_authorization(action_id, wait_ms=wait_ms, timeout=timeout, agent_id=agent_id))

    async def await_authorization(self, action_id: str, *, timeout: float | None = None, agent_id: str | None = None) -> AuthState:
        return await self._drive(_ops.await_authorization(action_id, poll_wait_ms=self._poll_wait_ms, timeout=timeout, agent_id=agent_id))

    async def claim_run(self, action_id: str, authorization: Authorization, *, runner_id: str | None = None) -> RunClaimed:
        return await self._drive(self._claims.claim(action_id, authorization, runner_id=runner_id))

    async def report(self, action_id: str, authorization: Authorization, *, output: Any = None, error: str | None = None) -> Outcome:
        return await self._drive(_ops.report(action_id, authorization, output=output, error=error))

    async def me(self) -> AgentSelf:
        return await self._drive(_ops.me())


def refusal_text(state: Any) -> str:
    """Why a gate-only action did not run, written for the model (a denial: who denied it, once, and their feedback).

    The same text as the TypeScript SDK's ``refusalText`` (``denialText`` in @airlock/core).
    """
    status = getattr(state, "status", "")
    if status == "denied":
        by = f" by {state.deniedBy}" if state.deniedBy else ""
        why = "" if state.deniedBy and state.reason == f"denied by {state.deniedBy}" else f": {state.reason}"
        return f"denied{by}{why}" + (f". Feedback: {state.feedback}" if state.feedback else "")
    if status == "failed":
        return f"it ran and failed: {state.error}"
    if status in ("expired", "cancelled"):
        return f"{status}: {state.reason}"
    return str(status)


def _json_equal(a: Any, b: Any) -> bool:
    """Equal as JSON values, as the TypeScript SDK compares them: ``1.0`` is ``1`` (the server writes it back as
    ``1``), but ``True`` is not ``1`` and ``"1"`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def edited_args_text(asked: dict[str, Any], authorized: dict[str, Any]) -> str | None:
    """What the model must be told when an approver edited its arguments; None when it ran as asked.

    The same text as the TypeScript SDK's ``editedArgsText``: ``amount "125.00" → "100.00"``.
    """

    def shown(field: str, args: dict[str, Any]) -> str:
        return json.dumps(args[field], ensure_ascii=False, separators=(",", ":")) if field in args else "(none)"

    fields = list(dict.fromkeys([*asked, *authorized]))
    changed = [f for f in fields if (f in asked) != (f in authorized) or not _json_equal(asked.get(f), authorized.get(f))]
    if not changed:
        return None
    return "An approver in Airlock changed the arguments before it ran: " + ", ".join(f"{f} {shown(f, asked)} → {shown(f, authorized)}" for f in changed) + "."


__all__ = ["Airlock", "AsyncAirlock", "ActionHandle", "AsyncActionHandle", "Executed", "edited_args_text", "refusal_text"]
