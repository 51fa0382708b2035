"""A claim or a report whose answer is lost is sent again, and never lost for good through the client's own doing.

A claim that got no answer in 30 s may have been recorded: the client remembers its runner id, so claiming that
action again is the same runner (a new id would be refused as another runner's, the tool never run). A report is
sent again through 502/503/504 and network errors for 30 s (the server takes the same report twice). A scripted
transport (httpx's MockTransport) plays the server; a fake clock stands in for time, moved only by the client's
own pauses, so nothing here waits or depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
import json
import types

import httpx
import pytest

from airlock_client import AirlockApiError, Airlock, AsyncAirlock, Authorization, Executed, Failed
from airlock_client import _ops, client as client_module

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


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_ops, "time", types.SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(client_module, "time", types.SimpleNamespace(sleep=fake.sleep))
    monkeypatch.setattr(client_module, "asyncio", types.SimpleNamespace(sleep=fake.async_sleep))
    return fake


def error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


class ClaimServer:
    """Records the first claim's runner, as Airlock does, and takes the same runner again; another runner is refused
    409 ``conflict``. While ``lose_answers`` is set, every claim is recorded but answered 504 (the answer lost)."""

    def __init__(self) -> None:
        self.lose_answers = True
        self.claimed_by: str | None = None
        self.runner_ids: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        runner_id = json.loads(request.content)["runnerId"]
        self.runner_ids.append(runner_id)
        self.claimed_by = self.claimed_by or runner_id
        if runner_id != self.claimed_by:
            return error(409, "conflict", "the run was already claimed by another runner at 2030-01-01T00:00:00Z")
        if self.lose_answers:
            return error(504, "unavailable", "gateway timeout")
        return httpx.Response(200, json={"status": "claimed", "actionId": "act-1", "authorizationId": "auth-1", "runnerId": runner_id, "claimedAt": "2030-01-01T00:00:00Z"})


def test_a_claim_that_got_no_answer_is_claimed_again_as_the_same_runner(clock):
    server = ClaimServer()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(server))) as airlock:
        with pytest.raises(AirlockApiError) as unanswered:
            airlock.claim_run("act-1", AUTHORIZATION)
        assert unanswered.value.status == 504
        assert len(server.runner_ids) > 1  # sent again through the 504s first, as one runner
        server.lose_answers = False
        claimed = airlock.claim_run("act-1", AUTHORIZATION)
    assert claimed.runnerId == server.claimed_by
    assert set(server.runner_ids) == {server.claimed_by}


async def test_the_async_client_claims_again_as_the_same_runner_too(clock):
    server = ClaimServer()
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(server))) as airlock:
        with pytest.raises(AirlockApiError):
            await airlock.claim_run("act-1", AUTHORIZATION)
        server.lose_answers = False
        claimed = await airlock.claim_run("act-1", AUTHORIZATION)
    assert claimed.runnerId == server.claimed_by


async def test_a_claim_cut_off_by_a_cancellation_is_claimed_again_as_the_same_runner():
    server = ClaimServer()
    server.lose_answers = False
    sent = asyncio.Event()
    never = asyncio.Event()

    async def handle(request: httpx.Request) -> httpx.Response:
        answer = server(request)
        if len(server.runner_ids) == 1:
            sent.set()  # recorded; its answer never comes: the task is cancelled first
            await never.wait()
        return answer

    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(handle))) as airlock:
        first = asyncio.create_task(airlock.claim_run("act-1", AUTHORIZATION))
        await sent.wait()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        claimed = await airlock.claim_run("act-1", AUTHORIZATION)
    assert claimed.runnerId == server.runner_ids[0] == server.runner_ids[1]


def test_a_claim_refused_is_answered_and_not_claimed_again_as_its_runner(clock):
    server = ClaimServer()
    server.claimed_by = "another-process"
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(server))) as airlock:
        for _ in range(2):
            with pytest.raises(AirlockApiError) as refused:
                airlock.claim_run("act-1", AUTHORIZATION)
            assert refused.value.code == "conflict"
    assert len(server.runner_ids) == 2 and server.runner_ids[0] != server.runner_ids[1]


def test_two_clients_are_two_runners_and_an_explicit_runner_id_is_used_as_given(clock):
    server = ClaimServer()
    transport = httpx.MockTransport(server)
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=transport)) as first, Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=transport)) as second:
        with pytest.raises(AirlockApiError):
            first.claim_run("act-1", AUTHORIZATION)
        server.lose_answers = False
        with pytest.raises(AirlockApiError) as refused:
            second.claim_run("act-1", AUTHORIZATION)
        assert refused.value.code == "conflict"
        with pytest.raises(AirlockApiError, match="another runner"):
            first.claim_run("act-1", AUTHORIZATION, runner_id="runner-7")
        assert first.claim_run("act-1", AUTHORIZATION).runnerId == server.claimed_by


def claimed_without_answer(claims: _ops.UnansweredClaims, action_id: str, clock: FakeClock, runner_id: str | None = None) -> str:
    """Claims ``action_id`` by hand with no answer to any call (each one unreachable) until the claim raises; the
    runner id it claimed as."""
    lost = AirlockApiError(0, "unreachable", "cannot reach Airlock")
    op = claims.claim(action_id, AUTHORIZATION, runner_id=runner_id)
    step = next(op)
    sent = step.json["runnerId"]
    with pytest.raises(AirlockApiError):
        while True:
            if isinstance(step, _ops.Sleep):
                clock.sleep(step.seconds)
                step = op.send(None)
            else:
                assert step.json["runnerId"] == sent  # sent again as the same runner
                step = op.throw(lost)
    return sent


def next_runners(claims: _ops.UnansweredClaims, *action_ids: str) -> list[str]:
    """The runner ids the next claims of ``action_ids`` without one are sent as. The claims are left open till all are
    sent: one closed unanswered is remembered, which could push another out past the bound."""
    claims_sent = [claims.claim(action_id, AUTHORIZATION, runner_id=None) for action_id in action_ids]
    return [next(op).json["runnerId"] for op in claims_sent]


def test_unanswered_claims_are_bounded_the_oldest_forgotten(clock):
    claims = _ops.UnansweredClaims(limit=2)
    actions = ("act-1", "act-2", "act-3")
    first = [claimed_without_answer(claims, action_id, clock) for action_id in actions]
    again = next_runners(claims, *actions)
    assert again[0] != first[0]  # the oldest, forgotten past the bound: a new runner
    assert again[1:] == first[1:]


def test_an_explicit_runner_id_is_the_callers_never_remembered_nor_the_memory_changed(clock):
    claims = _ops.UnansweredClaims()
    claimed_without_answer(claims, "act-1", clock, runner_id="runner-7")
    remembered = claimed_without_answer(claims, "act-2", clock)
    claimed_without_answer(claims, "act-2", clock, runner_id="runner-8")
    act_1, act_2 = next_runners(claims, "act-1", "act-2")
    assert act_1 != "runner-7"  # not remembered: a new runner
    assert act_2 == remembered  # not replaced by the caller's


def test_a_caller_that_claims_with_its_own_runner_id_claims_again_with_it(clock):
    server = ClaimServer()
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(server))) as airlock:
        with pytest.raises(AirlockApiError):
            airlock.claim_run("act-1", AUTHORIZATION, runner_id="runner-7")
        server.lose_answers = False
        with pytest.raises(AirlockApiError) as refused:
            airlock.claim_run("act-1", AUTHORIZATION)  # a new runner: the caller's id is not the client's to reuse
        assert refused.value.code == "conflict"
        assert airlock.claim_run("act-1", AUTHORIZATION, runner_id="runner-7").runnerId == "runner-7"


class ReportServer:
    """Takes a report as Airlock does (the same report again answers the recorded outcome), behind a gateway that
    first answers ``failures`` (a response, or an exception raised: no answer) one after another."""

    def __init__(self, *failures: httpx.Response | Exception) -> None:
        self.failures = list(failures)
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        body = self.bodies[-1]
        if "error" in body:
            return httpx.Response(200, json={"status": "failed", "actionId": "act-1", "error": body["error"]})
        return httpx.Response(200, json={"status": "executed", "actionId": "act-1", "output": body["output"]})


def transient_failures() -> tuple[httpx.Response | Exception, ...]:
    return error(503, "unavailable", "Temporal did not answer in time; try again"), httpx.ReadError("connection reset"), error(502, "bad_gateway", "bad gateway"), error(504, "unavailable", "gateway timeout")


def test_a_report_is_sent_again_through_transient_errors_until_it_is_taken(clock):
    server = ReportServer(*transient_failures())
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(server))) as airlock:
        outcome = airlock.report("act-1", AUTHORIZATION, output={"refundId": "re_1"})
    assert outcome == Executed(status="executed", actionId="act-1", output={"refundId": "re_1"})
    assert len(server.bodies) == 5 and all(body == server.bodies[0] for body in server.bodies)


async def test_the_async_client_sends_a_report_again_too(clock):
    server = ReportServer(*transient_failures())
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(server))) as airlock:
        outcome = await airlock.report("act-1", AUTHORIZATION, error="card declined")
    assert outcome == Failed(status="failed", actionId="act-1", error="card declined")
    assert [body["error"] for body in server.bodies] == ["card declined"] * 5


def test_a_report_refused_is_not_sent_again_and_one_unanswered_for_30_s_is_given_up(clock):
    refused = ReportServer(error(409, "decision_rejected", "the authorization expired"))
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(refused))) as airlock:
        with pytest.raises(AirlockApiError, match="the authorization expired"):
            airlock.report("act-1", AUTHORIZATION, output={"refundId": "re_1"})
    assert len(refused.bodies) == 1

    down = ReportServer(*[httpx.ConnectError("refused")] * 1_000)
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(down))) as airlock:
        with pytest.raises(AirlockApiError) as unreachable:
            airlock.report("act-1", AUTHORIZATION, output={"refundId": "re_1"})
    assert unreachable.value.code == "unreachable"
    assert 1 < len(down.bodies) < 1_000
    assert clock.now <= _ops.RESEND_FOR_S
