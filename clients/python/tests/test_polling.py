"""Waits poll the server at a pace it can take: a pending answer's next poll comes no sooner than the server's
Retry-After (at least a second) after the last one, whatever ``poll_wait_ms`` is, and a long poll never holds
past the caller's deadline. A fake clock stands in for time: each scripted long poll holds the clock for the
``waitMs`` it was asked, each pause moves it on, and the tests read the clock at each request, so nothing here
depends on how fast the machine is."""

from __future__ import annotations

import os
import types
from urllib.parse import parse_qs

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock, Authorization, Executed
from airlock_client import _ops, client as client_module

PENDING_OUTCOME = {"status": "pending", "actionId": "act-1"}
PENDING_AUTHORIZATION = {"status": "pending", "actionId": "act-1", "phase": "awaiting_approval"}
EXECUTED = {"status": "executed", "actionId": "act-1", "output": {"ok": True}}
AUTHORIZED = {"status": "authorized", "actionId": "act-1", "tool": "demo.echo", "authorizationId": "z", "args": {}, "argsHash": "h", "expiresAt": "2030-01-01T00:00:00Z", "links": {"report": "/r"}}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
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


class Server:
    """Answers ``pending`` (with ``retry_after``, as the console does) ``pending`` times, then ``done``; each long
    poll holds the clock for its ``waitMs``. Records the clock and the waitMs of each request."""

    def __init__(self, clock: FakeClock, *, pending: int, pending_body: dict, done: dict, retry_after: str | None = "1") -> None:
        self.clock, self.left, self.pending_body, self.done, self.retry_after = clock, pending, pending_body, done, retry_after
        self.requests: list[tuple[float, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        wait_ms = int(parse_qs(request.url.query.decode())["waitMs"][0])
        self.requests.append((self.clock.now, wait_ms))
        if self.left == 0:
            return httpx.Response(200, json=self.done)
        self.left -= 1
        self.clock.now += wait_ms / 1000
        return httpx.Response(202, json=self.pending_body, headers={"retry-after": self.retry_after} if self.retry_after is not None else {})

    @property
    def sent_at(self) -> list[float]:
        return [at for at, _ in self.requests]


def airlock(server: Server, poll_wait_ms: int) -> Airlock:
    return Airlock("http://airlock.test", api_key="alk_x", poll_wait_ms=poll_wait_ms, http=httpx.Client(transport=httpx.MockTransport(server)))


def test_a_wait_that_polls_without_waiting_asks_once_a_second_as_the_servers_retry_after_says(clock):
    server = Server(clock, pending=5, pending_body=PENDING_OUTCOME, done=EXECUTED)
    with airlock(server, poll_wait_ms=0) as client:
        assert isinstance(client.wait("act-1"), Executed)
    assert server.sent_at == [0, 1, 2, 3, 4, 5]


def test_a_longer_retry_after_is_honoured_and_none_or_zero_still_pauses_a_second(clock):
    slow = Server(clock, pending=2, pending_body=PENDING_OUTCOME, done=EXECUTED, retry_after="3")
    with airlock(slow, poll_wait_ms=0) as client:
        client.wait("act-1")
    assert slow.sent_at == [0, 3, 6]
    for retry_after in (None, "0", "Wed, 21 Oct 2015 07:28:00 GMT"):
        clock.now = 0
        server = Server(clock, pending=2, pending_body=PENDING_OUTCOME, done=EXECUTED, retry_after=retry_after)
        with airlock(server, poll_wait_ms=0) as client:
            client.wait("act-1")
        assert server.sent_at == [0, 1, 2], retry_after


def test_a_long_poll_that_held_is_asked_again_at_once(clock):
    server = Server(clock, pending=3, pending_body=PENDING_OUTCOME, done=EXECUTED)
    with airlock(server, poll_wait_ms=5_000) as client:
        client.wait("act-1")
    assert server.requests == [(0, 5_000), (5, 5_000), (10, 5_000), (15, 5_000)]
    assert clock.pauses == []


def test_a_wait_with_a_timeout_pauses_no_further_than_its_deadline(clock):
    server = Server(clock, pending=100, pending_body=PENDING_OUTCOME, done=EXECUTED)
    with airlock(server, poll_wait_ms=0) as client:
        with pytest.raises(TimeoutError):
            client.wait("act-1", timeout=2.5)
    assert server.sent_at == [0, 1, 2]
    assert clock.now == 2.5


def test_await_authorization_polls_at_the_same_pace(clock):
    server = Server(clock, pending=4, pending_body=PENDING_AUTHORIZATION, done=AUTHORIZED)
    with airlock(server, poll_wait_ms=0) as client:
        assert isinstance(client.await_authorization("act-1"), Authorization)
    assert server.sent_at == [0, 1, 2, 3, 4]


async def test_async_waits_poll_at_the_same_pace(clock):
    outcome = Server(clock, pending=3, pending_body=PENDING_OUTCOME, done=EXECUTED)
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", poll_wait_ms=0, http=httpx.AsyncClient(transport=httpx.MockTransport(outcome))) as client:
        assert isinstance(await client.wait("act-1"), Executed)
    assert outcome.sent_at == [0, 1, 2, 3]
    clock.now = 0
    authorization = Server(clock, pending=3, pending_body=PENDING_AUTHORIZATION, done=AUTHORIZED)
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", poll_wait_ms=0, http=httpx.AsyncClient(transport=httpx.MockTransport(authorization))) as client:
        assert isinstance(await client.await_authorization("act-1"), Authorization)
    assert authorization.sent_at == [0, 1, 2, 3]


def test_await_authorization_holds_each_long_poll_only_for_the_time_left(clock):
    # The default 20 s long poll, a 2 s timeout: TimeoutError at 2 s, as wait() does, not after 20 s.
    server = Server(clock, pending=100, pending_body=PENDING_AUTHORIZATION, done=AUTHORIZED)
    with airlock(server, poll_wait_ms=20_000) as client:
        with pytest.raises(TimeoutError, match="act-1 is not decided yet"):
            client.await_authorization("act-1", timeout=2)
    assert server.requests == [(0, 2_000)]
    assert clock.now == 2
    clock.now = 0
    outcome = Server(clock, pending=100, pending_body=PENDING_OUTCOME, done=EXECUTED)
    with airlock(outcome, poll_wait_ms=20_000) as client:
        with pytest.raises(TimeoutError, match="act-1 has no outcome yet"):
            client.wait("act-1", timeout=2)
    assert outcome.requests == [(0, 2_000)]


def test_the_real_server_asks_for_a_second_between_polls_and_the_waits_keep_to_it(url, key, clock):
    # The console's pending answers carry Retry-After: 1. Long polls of 0 ms answer at once; only the client's pauses
    # move the fake clock (and each request a millisecond, so a client that never paused would still time out).
    sent: list[httpx.Request] = []

    def count(request: httpx.Request) -> None:
        sent.append(request)
        clock.now += 0.001

    http = httpx.Client(event_hooks={"request": [count]}, timeout=30)
    with Airlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=0, http=http) as client:
        submitted = client.authorize("payments.refund", {"paymentId": "pay_123", "amount": "300.00", "currency": "USD", "reason": "duplicate charge"}, idempotency_key=key("poll"))
        for path in ("authorization", "outcome"):
            answer = http.get(f"{url}/api/v1/actions/{submitted.actionId}/{path}?waitMs=0", headers={"authorization": f"Bearer {os.environ['AIRLOCK_API_KEY']}"})
            assert (answer.status_code, answer.headers.get("retry-after")) == (202, "1"), path
        sent.clear()
        with pytest.raises(TimeoutError):
            client.await_authorization(submitted.actionId, timeout=3)
        assert len(sent) == 3
        sent.clear()
        with pytest.raises(TimeoutError):
            client.wait(submitted.actionId, timeout=3)
        assert len(sent) == 3
        client.cancel(submitted.actionId)
