"""A long poll is waited for as long as it asks the server to hold it: its read timeout is its own ``waitMs`` plus a
margin, whatever the client's read timeout (``poll_wait_ms=0`` gives 15 s; an ``http`` client of the caller's, httpx's
5 s). The scripted transport (httpx's MockTransport) plays a server that holds each long poll for its ``waitMs``: a
request whose read timeout is shorter gets the ``ReadTimeout`` a real socket would, which the client reports as
"cannot reach Airlock"."""

from __future__ import annotations

import types
from urllib.parse import parse_qs

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock, Authorization, Executed
from airlock_client import _ops, client as client_module

AUTHORIZED = {"status": "authorized", "actionId": "act-1", "tool": "demo.echo", "authorizationId": "z", "args": {}, "argsHash": "h", "expiresAt": "2030-01-01T00:00:00Z", "links": {"report": "/r"}}
EXECUTED = {"status": "executed", "actionId": "act-1", "output": {"ok": True}}

CLIENT_TIMEOUTS = {
    "the client's own, poll_wait_ms=0": client_module._timeout(0),
    "a caller's http client, httpx's default": httpx.Timeout(5.0),
}


class HoldingServer:
    """Holds each long poll for its ``waitMs``, then answers ``answer``; records each request's waitMs and read timeout."""

    def __init__(self, answer: dict) -> None:
        self.answer = answer
        self.requests: list[tuple[int, float | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        wait_ms = int(parse_qs(request.url.query.decode())["waitMs"][0])
        read = request.extensions["timeout"]["read"]
        self.requests.append((wait_ms, read))
        if read is not None and read <= wait_ms / 1000:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=self.answer)


@pytest.mark.parametrize("timeout", CLIENT_TIMEOUTS.values(), ids=CLIENT_TIMEOUTS.keys())
def test_authorization_and_check_authorization_wait_as_long_as_they_ask(timeout):
    server = HoldingServer(AUTHORIZED)
    with Airlock("http://airlock.test", api_key="alk_x", poll_wait_ms=0, http=httpx.Client(transport=httpx.MockTransport(server), timeout=timeout)) as airlock:
        assert isinstance(airlock.authorization("act-1", wait_ms=20_000), Authorization)
        assert isinstance(airlock.check_authorization("act-1", wait_ms=30_000), Authorization)
    assert server.requests == [(20_000, 35.0), (30_000, 45.0)]


@pytest.mark.parametrize("timeout", CLIENT_TIMEOUTS.values(), ids=CLIENT_TIMEOUTS.keys())
async def test_the_async_client_waits_as_long_as_it_asks_too(timeout):
    server = HoldingServer(AUTHORIZED)
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", poll_wait_ms=0, http=httpx.AsyncClient(transport=httpx.MockTransport(server), timeout=timeout)) as airlock:
        assert isinstance(await airlock.authorization("act-1", wait_ms=20_000), Authorization)
        assert isinstance(await airlock.check_authorization("act-1", wait_ms=30_000), Authorization)
    assert [read for _, read in server.requests] == [35.0, 45.0]


def test_a_waits_long_polls_outlast_a_caller_http_clients_read_timeout(monkeypatch):
    # Each timed-out poll would be retried as a network blip: a fake clock, moved by the pauses, ends the wait then.
    now = [0.0]
    monkeypatch.setattr(_ops, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    monkeypatch.setattr(client_module, "time", types.SimpleNamespace(sleep=lambda seconds: now.__setitem__(0, now[0] + seconds)))
    server = HoldingServer(EXECUTED)
    with Airlock("http://airlock.test", api_key="alk_x", poll_wait_ms=20_000, http=httpx.Client(transport=httpx.MockTransport(server))) as airlock:
        assert isinstance(airlock.wait("act-1", timeout=60), Executed)
    assert server.requests == [(20_000, 35.0)]
