"""A read of one action answered about another (a cache or proxy that mixed answers up, a misrouted call) is refused
as ``bad_response`` naming both ids, never used: an ``authorized`` answer would have the agent run that action's
arguments, an outcome would tell the model how another action ended. It is not transient, so no wait asks again. The
TypeScript SDK refuses it alike, in the same words. A scripted transport answers."""

from __future__ import annotations

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock, Authorization
from airlock_client.errors import AirlockApiError, AuthorizationTimeoutError

GRANTED_B2 = {"status": "authorized", "actionId": "b-2", "tool": "payments.refund", "authorizationId": "auth-b", "args": {"amount": "900.00"}, "argsHash": "h", "expiresAt": "2030-01-01T00:00:00Z", "links": {"report": "/r"}}
SUBMITTED_A1 = {"actionId": "a-1", "created": True, "argsHash": "0" * 64, "links": {"self": "/s", "outcome": "/o"}}


def answering(body_of):
    """Answers each request with ``body_of(path)`` (202 when pending, else 200) and records the paths."""
    sent: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        body = body_of(request.url.path)
        return httpx.Response(202 if body.get("status") == "pending" else 200, json=body)

    return handle, sent


def client(handle) -> Airlock:
    return Airlock("http://airlock.test", api_key="alk_x", poll_wait_ms=0, http=httpx.Client(transport=httpx.MockTransport(handle)))


def refusal(path: str, status: str) -> str:
    return rf'^GET /api/v1/actions/a-1/{path}\?waitMs=\d+ answered about action "b-2", not "a-1": the answer \({status}\) is not for this action and was not used$'


def test_an_authorization_for_b2_when_a1_was_asked_is_refused_by_every_read_none_asked_again():
    handle, sent = answering(lambda _path: GRANTED_B2)
    with client(handle) as airlock:
        for read in (
            lambda: airlock.authorization("a-1"),
            lambda: airlock.check_authorization("a-1", wait_ms=0),
            lambda: airlock.await_authorization("a-1"),
        ):
            with pytest.raises(AirlockApiError, match=refusal("authorization", "authorized")) as raised:
                read()
            assert not isinstance(raised.value, AuthorizationTimeoutError)
            assert (raised.value.status, raised.value.code) == (200, "bad_response")
    assert sent == ["/api/v1/actions/a-1/authorization"] * 3


def test_pending_answers_and_outcomes_of_another_action_too_while_its_own_are_taken():
    for other in ({"status": "pending", "actionId": "b-2", "phase": "awaiting_approval"}, {"status": "executed", "actionId": "b-2", "output": None}):
        handle, sent = answering(lambda _path: other)
        with client(handle) as airlock:
            with pytest.raises(AirlockApiError, match=refusal("authorization", other["status"])) as raised:
                airlock.check_authorization("a-1", wait_ms=0)
        assert raised.value.code == "bad_response" and len(sent) == 1
    own, _ = answering(lambda _path: {**GRANTED_B2, "actionId": "a-1"})
    with client(own) as airlock:
        assert isinstance(airlock.await_authorization("a-1"), Authorization)


def test_an_outcome_read_answered_about_another_action_is_refused_not_waited_on():
    other = {"status": "executed", "actionId": "b-2", "output": {"refunded": "900.00"}}
    handle, sent = answering(lambda path: other if path.endswith("/outcome") else SUBMITTED_A1)
    with client(handle) as airlock:
        for read in (lambda: airlock.action("a-1").result(), lambda: airlock.run("demo.echo", {}, idempotency_key="k-1")):
            with pytest.raises(AirlockApiError, match=refusal("outcome", "executed")):
                read()
    assert [path for path in sent if path.endswith("/outcome")] == ["/api/v1/actions/a-1/outcome"] * 2
    # A pending answer of another action is not waited on until a-1's own answer comes.
    answers = [{"status": "pending", "actionId": "b-2"}, {"status": "executed", "actionId": "a-1", "output": None}]
    handle, sent = answering(lambda _path: answers.pop(0))
    with client(handle) as airlock:
        with pytest.raises(AirlockApiError, match=refusal("outcome", "pending")):
            airlock.wait("a-1")
    assert len(sent) == 1


async def test_the_async_client_refuses_them_alike():
    handle, sent = answering(lambda path: GRANTED_B2 if path.endswith("/authorization") else {"status": "executed", "actionId": "b-2", "output": None})
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", poll_wait_ms=0, http=httpx.AsyncClient(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(AirlockApiError, match=refusal("authorization", "authorized")):
            await airlock.await_authorization("a-1")
        with pytest.raises(AirlockApiError, match=refusal("outcome", "executed")):
            await airlock.wait("a-1")
    assert len(sent) == 2
