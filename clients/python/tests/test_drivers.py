"""The sync and async drivers carry out the same operations the same way: a scripted
HTTP transport (httpx's own MockTransport) answers, and both clients must make the
same requests and reach the same result."""

from __future__ import annotations

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock, Executed, InvalidRequestError
from airlock_client.errors import AirlockApiError

OUTCOME = "/api/v1/actions/act-1/outcome"


def script(*answers: httpx.Response | Exception):
    """A transport that answers requests in order and records them."""
    seen: list[tuple[str, str, str]] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.url.query.decode()))
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


def unavailable() -> httpx.Response:
    return httpx.Response(503, json={"error": {"code": "unavailable", "message": "try again"}})


def pending() -> httpx.Response:
    return httpx.Response(202, json={"status": "pending", "actionId": "act-1", "phase": "awaiting_approval"})


def executed() -> httpx.Response:
    return httpx.Response(200, json={"status": "executed", "actionId": "act-1", "output": {"ok": True}})


def bad_request() -> httpx.Response:
    return httpx.Response(400, json={"error": {"code": "invalid_request", "message": "invalid request", "issues": [{"path": "args.amount", "message": "required"}]}})


def rides_out() -> tuple[httpx.Response | Exception, ...]:
    """An unavailable server, a refused connection, a long poll that ends pending, then the outcome."""
    return unavailable(), httpx.ConnectError("refused"), pending(), executed()


def test_sync_wait_rides_out_unavailable_answers_and_network_errors(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _s: None)
    handle, seen = script(*rides_out())
    with Airlock("http://airlock.test", api_key="alk_x", poll_wait_ms=1_000, http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        outcome = airlock.wait("act-1")
    assert outcome == Executed(status="executed", actionId="act-1", output={"ok": True})
    assert seen == [("GET", OUTCOME, "waitMs=1000")] * 4


async def test_async_wait_makes_the_same_requests(monkeypatch):
    async def no_sleep(_s: float) -> None:
        return None

    monkeypatch.setattr("asyncio.sleep", no_sleep)
    handle, seen = script(*rides_out())
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", poll_wait_ms=1_000, http=httpx.AsyncClient(transport=httpx.MockTransport(handle))) as airlock:
        outcome = await airlock.wait("act-1")
    assert outcome == Executed(status="executed", actionId="act-1", output={"ok": True})
    assert seen == [("GET", OUTCOME, "waitMs=1000")] * 4


def test_a_refusal_is_not_retried_and_names_the_field():
    handle, seen = script(bad_request(), executed())
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(InvalidRequestError, match=r"args\.amount: required"):
            airlock.wait("act-1")
    assert len(seen) == 1


async def test_async_refusal_is_not_retried_either():
    handle, seen = script(httpx.Response(404, json={"error": {"code": "not_found", "message": "no such action"}}))
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(AirlockApiError, match="no such action"):
            await airlock.status("act-1")
    assert seen == [("GET", "/api/v1/actions/act-1/status", "")]


def test_a_bad_body_is_refused_before_anything_is_sent():
    handle, seen = script()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(InvalidRequestError, match=r"^args: "):
            airlock.start("payments.refund", ["not", "an", "object"], idempotency_key="k-1")  # type: ignore[arg-type]
    assert seen == []
