"""The sync and async drivers carry out the same operations the same way: a scripted
HTTP transport (httpx's own MockTransport) answers, and both clients must make the
same requests and reach the same result."""

from __future__ import annotations

import json

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock, Authorization, AuthorizationTimeoutError, Denied, Executed, InvalidRequestError
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


def test_a_bad_plan_step_is_named_by_its_place_in_the_steps_before_anything_is_sent():
    handle, seen = script()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(InvalidRequestError, match=r"^steps\.1\.args: Field required$") as raised:
            airlock.run_plan([{"tool": "demo.echo", "args": {}}, {"tool": "demo.echo"}], idempotency_key="plan-1")
        assert raised.value.fields == ["steps.1.args"]
        with pytest.raises(InvalidRequestError, match=r"^steps\.0: "):
            airlock.run_plan(["demo.echo"], idempotency_key="plan-2")  # type: ignore[list-item]
        # An empty plan is bad input too, not an action the policy then denies.
        with pytest.raises(InvalidRequestError, match=r"^steps: List should have at least 1 item"):
            airlock.run_plan([], idempotency_key="plan-3")
    assert seen == []


def test_a_bad_signal_is_one_issue_naming_the_signal():
    handle, seen = script()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(InvalidRequestError) as raised:
            airlock.start("demo.echo", {}, idempotency_key="k-1", signals={"confidence": 0.9, "sources": ["a"]})
        assert raised.value.issues == [("signals.sources", "must be a string, number or boolean")]
    assert seen == []


def test_good_signals_are_sent_as_given():
    handle, seen = script(httpx.Response(202, json={"actionId": "act-1", "created": True, "argsHash": "0" * 64, "links": {"self": "/s", "outcome": "/o"}}))
    sent: list[bytes] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return handle(request)

    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(record))) as airlock:
        airlock.start("demo.echo", {}, idempotency_key="k-1", signals={"confidence": 0.9, "retries": 2, "human": True, "source": "chat"})
    assert b'"signals":{"confidence":0.9,"retries":2,"human":true,"source":"chat"}' in sent[0].replace(b" ", b"")


def test_agent_id_is_sent_as_the_agent_header_only_when_given():
    submitted = httpx.Response(202, json={"actionId": "act-1", "created": True, "argsHash": "0" * 64, "links": {"self": "/s", "outcome": "/o"}})
    handle, _ = script(submitted, submitted, pending())
    headers: list[str | None] = []

    def record(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers.get("airlock-agent-id"))
        return handle(request)

    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(record))) as airlock:
        airlock.start("demo.echo", {}, idempotency_key="k-1", agent_id="billing-bot")
        airlock.start("demo.echo", {}, idempotency_key="k-2")
        airlock.check_authorization("act-1", wait_ms=0, agent_id="billing-bot")
        with pytest.raises(InvalidRequestError, match="agent_id"):
            airlock.authorize("demo.echo", {}, idempotency_key="k-3", agent_id="")
    assert headers == ["billing-bot", None, "billing-bot"]


async def test_async_sends_the_agent_header_too():
    handle, _ = script(httpx.Response(202, json={"actionId": "act-1", "created": True, "argsHash": "0" * 64, "links": {"self": "/s", "outcome": "/o"}}))
    headers: list[str | None] = []

    def record(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers.get("airlock-agent-id"))
        return handle(request)

    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(record))) as airlock:
        await airlock.authorize("demo.echo", {}, idempotency_key="k-1", agent_id="billing-bot")
    assert headers == ["billing-bot"]


def test_no_answer_names_the_server_and_the_call_instead_of_httpx_own_message():
    handle, seen = script(httpx.ConnectError("[Errno 111] Connection refused"))
    with Airlock("http://127.0.0.1:1", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(AirlockApiError) as raised:
            airlock.start("demo.echo", {}, idempotency_key="k-1")
    assert (raised.value.status, raised.value.code, str(raised.value)) == (0, "unreachable", "cannot reach Airlock at http://127.0.0.1:1 (POST /api/v1/actions): [Errno 111] Connection refused")
    assert len(seen) == 1


def test_another_server_answering_is_named_with_the_call():
    # A wrong port or a proxy's page: the status alone does not say that Airlock never answered.
    pages = iter([httpx.Response(404, text="<h1>Not Found</h1>"), httpx.Response(404, json={"detail": "nope"})])
    with Airlock("http://localhost:8080", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(lambda request: next(pages)))) as airlock:
        with pytest.raises(AirlockApiError) as html:
            airlock.start("demo.echo", {}, idempotency_key="k-1")
        with pytest.raises(AirlockApiError) as json:
            airlock.status("act-1")
    assert (html.value.code, str(html.value)) == ("bad_response", "http://localhost:8080 answered POST /api/v1/actions with 404 and a body that is not JSON: is http://localhost:8080 Airlock's console?")
    assert (json.value.code, str(json.value)) == ("unknown", "http://localhost:8080 answered GET /api/v1/actions/act-1/status with 404 and no Airlock error in its body: is http://localhost:8080 Airlock's console?")


async def test_async_no_answer_is_the_same_error():
    handle, _ = script(httpx.ConnectError("[Errno 111] Connection refused"))
    async with AsyncAirlock("http://127.0.0.1:1", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(AirlockApiError, match=r"^cannot reach Airlock at http://127\.0\.0\.1:1 \(GET /api/v1/actions/act-1/status\): "):
            await airlock.status("act-1")


def test_reporting_on_an_outcome_instead_of_an_authorization_says_so_before_anything_is_sent():
    handle, seen = script()
    denied = Denied(status="denied", actionId="act-1", reason="denied by alice", deniedBy="alice")
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(InvalidRequestError, match=r"^authorization: must be the Authorization that await_authorization returned \(status \"authorized\"\), got denied: ") as raised:
            airlock.report("act-1", denied, output={"ok": True})  # type: ignore[arg-type]
    assert raised.value.fields == ["authorization"]
    assert seen == []


def classifying_forever():
    """A server whose action never leaves classification (no worker up): every read is pending, no person asked."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(202, json={"status": "pending", "actionId": "act-1", "phase": "classifying"})

    return handle, seen


def test_check_authorization_ends_at_its_overall_deadline_instead_of_asking_forever():
    handle, seen = classifying_forever()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(AuthorizationTimeoutError, match=r"^action act-1 is still classifying after 200 ms, before any person was asked: is an Airlock worker running\?$") as raised:
            airlock.check_authorization("act-1", wait_ms=0, timeout=0.2)
        assert (raised.value.action_id, raised.value.phase) == ("act-1", "classifying")
        # A TimeoutError like wait()'s, so one `except TimeoutError` covers both.
        assert isinstance(raised.value, TimeoutError)
        with pytest.raises(InvalidRequestError, match=r"^timeout: "):
            airlock.check_authorization("act-1", wait_ms=0, timeout=-1)
    assert seen and set(seen) == {"/api/v1/actions/act-1/authorization"}


async def test_async_check_authorization_has_the_same_deadline():
    handle, _seen = classifying_forever()
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(AuthorizationTimeoutError):
            await airlock.check_authorization("act-1", wait_ms=0, timeout=0.2)


def test_check_authorization_answers_pending_at_once_when_a_person_is_asked():
    handle, _seen = script(pending())
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        assert airlock.check_authorization("act-1", wait_ms=0, timeout=0).phase == "awaiting_approval"


def test_a_field_the_client_does_not_know_is_refused_before_anything_is_sent_as_the_typescript_sdk_and_the_server_say_it():
    handle, seen = script()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        with pytest.raises(InvalidRequestError, match=r'^steps\.0\.argz: Unrecognized key: "argz"$') as raised:
            airlock.run_plan([{"tool": "demo.echo", "args": {}, "argz": {}}], idempotency_key="plan-1")
        assert raised.value.fields == ["steps.0.argz"]
        # Keyword arguments: Python itself refuses a typo, naming it.
        with pytest.raises(TypeError, match="reasn"):
            airlock.authorize("demo.echo", {}, idempotency_key="k-1", reasn="x")  # type: ignore[call-arg]
    assert seen == []


# Every call's answer is checked by the driver (``_core.read``): a body of another shape is a bad_response naming the
# server and the call, not a pydantic ValidationError (or, for the outcome's 202, not checked at all).
MALFORMED_CALLS = [
    ("start", lambda a: a.start("demo.echo", {}, idempotency_key="k-1"), "POST /api/v1/actions with 200", "actionId"),
    ("authorize", lambda a: a.authorize("demo.echo", {}, idempotency_key="k-1"), "POST /api/v1/authorizations with 200", "actionId"),
    ("status", lambda a: a.status("act-1"), "GET /api/v1/actions/act-1/status with 200", "phase"),
    ("cancel", lambda a: a.cancel("act-1"), "POST /api/v1/actions/act-1/cancel with 200", "cancelRequested"),
    ("wait", lambda a: a.wait("act-1"), "GET /api/v1/actions/act-1/outcome with 200", "status"),
    ("authorization", lambda a: a.authorization("act-1"), "GET /api/v1/actions/act-1/authorization with 200", "status"),
    ("me", lambda a: a.me(), "GET /api/v1/agents/me with 200", "allowedTools"),
]


@pytest.mark.parametrize(("name", "call", "where", "field"), MALFORMED_CALLS, ids=[c[0] for c in MALFORMED_CALLS])
def test_an_answer_of_another_shape_is_a_bad_response_naming_the_server_and_the_call(name, call, where, field):
    answer = {"ok": True} if name != "me" else {"id": "billing-bot", "team": "billing"}
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)))) as airlock:
        with pytest.raises(AirlockApiError) as raised:
            call(airlock)
    assert (raised.value.status, raised.value.code) == (200, "bad_response")
    assert str(raised.value).startswith(f"http://airlock.test answered {where} and a body this client does not understand (")
    assert field in str(raised.value)
    assert str(raised.value).endswith("is http://airlock.test Airlock's console, of a version this client speaks?")


def test_a_report_answered_with_no_known_outcome_is_a_bad_response():
    granted = Authorization(status="authorized", actionId="act-1", tool="demo.echo", authorizationId="z", args={}, argsHash="h", expiresAt="2030-01-01T00:00:00Z", links={"report": "/r"})
    answer = httpx.Response(200, json={"status": "done", "actionId": "act-1"})
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(lambda request: answer))) as airlock:
        with pytest.raises(AirlockApiError, match=r"^http://airlock\.test answered POST /api/v1/actions/act-1/report with 200 and a body this client does not understand") as raised:
            airlock.report("act-1", granted, output={"ok": True})
    assert raised.value.code == "bad_response"


async def test_async_wait_whose_pending_answer_is_malformed_is_the_same_bad_response():
    answer = httpx.Response(202, json={"status": "pending"})
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(lambda request: answer))) as airlock:
        with pytest.raises(AirlockApiError, match=r"^http://airlock\.test answered GET /api/v1/actions/act-1/outcome with 202 and a body this client does not understand \(.*actionId") as raised:
            await airlock.wait("act-1", timeout=1)
    assert (raised.value.status, raised.value.code) == (202, "bad_response")


AUTHORIZATION = Authorization(
    status="authorized",
    actionId="act-1",
    tool="payments.refund",
    authorizationId="auth-1",
    args={"amount": "10.00"},
    argsHash="h",
    expiresAt="2030-01-01T00:00:00Z",
    links={"report": "/api/v1/actions/act-1/report"},
)


def claimed(runner_id: str) -> httpx.Response:
    return httpx.Response(200, json={"status": "claimed", "actionId": "act-1", "authorizationId": "auth-1", "runnerId": runner_id, "claimedAt": "2030-01-01T00:00:00Z"})


def claim_script():
    """A claim whose first answer is lost (the server took it), then a 503, then the answer: every attempt must carry
    the same runner id, or the server would refuse the retry as another runner's."""
    bodies: list[dict] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if len(bodies) == 1:
            raise httpx.ReadError("connection reset")
        if len(bodies) == 2:
            return unavailable()
        return claimed(bodies[0]["runnerId"])

    return handle, bodies


def test_sync_claim_run_retries_with_the_same_runner_id(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _s: None)
    handle, bodies = claim_script()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as airlock:
        answer = airlock.claim_run("act-1", AUTHORIZATION)
    assert len(bodies) == 3
    assert len({body["runnerId"] for body in bodies}) == 1
    assert answer.runnerId == bodies[0]["runnerId"]


async def test_async_claim_run_retries_with_the_same_runner_id(monkeypatch):
    async def no_sleep(_s: float) -> None:
        return None

    monkeypatch.setattr("asyncio.sleep", no_sleep)
    handle, bodies = claim_script()
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(handle))) as airlock:
        answer = await airlock.claim_run("act-1", AUTHORIZATION, runner_id="runner-7")
    assert [body["runnerId"] for body in bodies] == ["runner-7"] * 3
    assert answer.runnerId == "runner-7"
