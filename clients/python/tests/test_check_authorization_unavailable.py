"""``check_authorization`` takes a transient failure (a 503 when no worker answered the status query, a 502/504, the
console unreachable) as "not yet": it asks again, backing off from 100 ms, until its ``timeout``, and then raises
``AuthorizationTimeoutError`` naming the phase last read, or ``unknown`` with the last failure as its cause, as the
TypeScript SDK's ``checkAuthorization`` does. What asking again cannot mend (a 401) is raised at once. A scripted
transport answers; a fake clock, moved only by the client's pauses, stands in for time."""

from __future__ import annotations

import types

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock, AuthorizationTimeoutError
from airlock_client import _ops, client as client_module
from airlock_client.errors import AirlockApiError

NO_WORKER = "no worker answered the status query of action act-1 in time: is an Airlock worker running on its task queue?"
CLASSIFYING = {"status": "pending", "actionId": "act-1", "phase": "classifying"}
ASKED = {"status": "pending", "actionId": "act-1", "phase": "awaiting_approval"}
AUTHORIZED = {"status": "authorized", "actionId": "act-1", "tool": "demo.echo", "authorizationId": "z", "args": {}, "argsHash": "h", "expiresAt": "2030-01-01T00:00:00Z", "links": {"report": "/r"}}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(round(seconds, 6))
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_ops, "time", types.SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(client_module, "time", types.SimpleNamespace(sleep=fake.sleep))
    monkeypatch.setattr(client_module, "asyncio", types.SimpleNamespace(sleep=fake.async_sleep))
    return fake


def answering(*answers: int | dict | Exception):
    """Answers each read with the next of ``answers`` (the last one again once they run out): a number is that status
    with the server's ``unavailable`` error, a dict a 200 (202 when pending), an exception raised (no answer)."""
    reads: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        reads.append(request.url.path)
        answer = answers[min(len(reads), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, int):
            code = "unavailable" if answer >= 500 else "unauthorized"
            return httpx.Response(answer, json={"error": {"code": code, "message": NO_WORKER if answer == 503 else "invalid API key"}})
        return httpx.Response(202 if answer["status"] == "pending" else 200, json=answer)

    return handle, reads


def client(handle) -> Airlock:
    return Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle)))


def test_a_503_on_every_read_is_asked_again_until_the_timeout_then_authorization_timeout_error_phase_unknown(clock):
    handle, reads = answering(503)
    with client(handle) as airlock:
        with pytest.raises(AuthorizationTimeoutError) as raised:
            airlock.check_authorization("act-1", wait_ms=0, timeout=1)
    error = raised.value
    assert str(error) == f"action act-1: no answer said where it stands after 1000 ms ({NO_WORKER}), before any person was asked: is an Airlock worker running?"
    assert (error.action_id, error.phase, error.timeout) == ("act-1", "unknown", 1)
    assert isinstance(error, TimeoutError)
    assert isinstance(error.__cause__, AirlockApiError) and (error.__cause__.status, error.__cause__.code) == (503, "unavailable")
    # Backing off from 100 ms, doubling, the last pause cut at the deadline: never a busy loop, never past the timeout.
    assert clock.pauses == [0.1, 0.2, 0.4, 0.3]
    assert len(reads) == 5 and clock.now == 1


def test_no_answer_at_all_and_502_504_are_not_yet_too(clock):
    for answers, cause in (((httpx.ConnectError("[Errno 111] Connection refused"),), (0, "unreachable")), ((502, 504), (504, "unavailable"))):
        clock.now = 0
        handle, reads = answering(*answers)
        with client(handle) as airlock:
            with pytest.raises(AuthorizationTimeoutError) as raised:
                airlock.check_authorization("act-1", wait_ms=0, timeout=0.5)
        assert raised.value.phase == "unknown"
        assert (raised.value.__cause__.status, raised.value.__cause__.code) == cause  # type: ignore[union-attr]
        assert len(reads) > 1


def test_the_last_phase_read_is_named_when_a_503_follows_it(clock):
    handle, reads = answering(CLASSIFYING, 503)
    with client(handle) as airlock:
        with pytest.raises(AuthorizationTimeoutError, match=r"^action act-1 is still classifying after 500 ms, before any person was asked") as raised:
            airlock.check_authorization("act-1", wait_ms=0, timeout=0.5)
    assert raised.value.phase == "classifying"
    assert isinstance(raised.value.__cause__, AirlockApiError) and raised.value.__cause__.status == 503
    assert len(reads) > 2


def test_a_later_answer_is_returned_and_a_401_is_raised_at_once(clock):
    for later in (ASKED, AUTHORIZED):
        handle, reads = answering(503, httpx.ReadError("connection reset"), 503, later)
        with client(handle) as airlock:
            state = airlock.check_authorization("act-1", wait_ms=0, timeout=60)
        assert (state.status, len(reads)) == (later["status"], 4)
    # Asking again cannot mend a refused key: raised at once, one read, no pause.
    clock.pauses.clear()
    handle, reads = answering(401)
    with client(handle) as airlock:
        with pytest.raises(AirlockApiError) as refused:
            airlock.check_authorization("act-1", wait_ms=0, timeout=60)
    assert not isinstance(refused.value, AuthorizationTimeoutError)
    assert (refused.value.status, len(reads), clock.pauses) == (401, 1, [])


def async_client(handle) -> AsyncAirlock:
    return AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(handle)))


async def test_the_async_client_asks_again_alike(clock):
    handle, reads = answering(503)
    async with async_client(handle) as airlock:
        with pytest.raises(AuthorizationTimeoutError) as raised:
            await airlock.check_authorization("act-1", wait_ms=0, timeout=1)
    assert raised.value.phase == "unknown" and isinstance(raised.value.__cause__, AirlockApiError)
    assert (clock.pauses, len(reads)) == ([0.1, 0.2, 0.4, 0.3], 5)
    clock.now = 0
    recovered, _ = answering(503, ASKED)
    async with async_client(recovered) as airlock:
        assert (await airlock.check_authorization("act-1", wait_ms=0, timeout=60)).phase == "awaiting_approval"
