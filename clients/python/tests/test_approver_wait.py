"""The suite's own Approver helper: waiting for a phase ends, with a message that says why.

A scripted transport (httpx's MockTransport) plays the server and a fake clock
stands in for time, so these run without a server and without waiting.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import PHASE_WAIT_SECONDS, Approver


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("time.monotonic", fake.monotonic)
    monkeypatch.setattr("time.sleep", fake.sleep)
    return fake


def approver_seeing(*phases: str, **extra: Any) -> tuple[Approver, list[str]]:
    """An Approver whose status requests answer these phases in turn, the last one forever."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET" and request.url.path == "/api/v1/actions/act-1/status"
        phase = phases[min(len(seen), len(phases) - 1)]
        seen.append(phase)
        return httpx.Response(200, json={"actionId": "act-1", "agentId": "billing-bot", "tool": "payments.refund", "argsHash": "h", "phase": phase, **extra})

    return Approver("http://airlock.test", "alk_x", transport=httpx.MockTransport(handle)), seen


def test_await_phase_returns_the_status_once_the_action_is_in_the_phase(clock):
    approver, seen = approver_seeing("classifying", "classifying", "awaiting_approval")
    assert approver.await_phase("act-1", "awaiting_approval")["phase"] == "awaiting_approval"
    assert seen == ["classifying", "classifying", "awaiting_approval"]


def test_await_phase_fails_after_its_deadline_naming_the_action_and_both_phases(clock):
    approver, seen = approver_seeing("running")
    started = clock.now
    with pytest.raises(pytest.fail.Exception) as failed:
        approver.await_phase("act-1", "awaiting_approval")
    assert str(failed.value) == f"action act-1 never reached phase 'awaiting_approval' (waited {PHASE_WAIT_SECONDS:g} s): it is in phase 'running'"
    assert PHASE_WAIT_SECONDS <= clock.now - started < PHASE_WAIT_SECONDS + 1
    assert len(seen) > 1


def test_await_phase_takes_a_shorter_timeout(clock):
    approver, _ = approver_seeing("running")
    started = clock.now
    with pytest.raises(pytest.fail.Exception, match=r"\(waited 0\.5 s\)"):
        approver.await_phase("act-1", "awaiting_approval", timeout=0.5)
    assert clock.now - started < 1


def test_decide_fails_at_once_when_a_standing_approval_already_ran_the_action(clock):
    approver, seen = approver_seeing("completed", standingGrantId="sg-7", outcome={"status": "executed", "actionId": "act-1"})
    with pytest.raises(pytest.fail.Exception) as failed:
        approver.decide("act-1", "approve")
    assert str(failed.value) == (
        "action act-1 never reached phase 'awaiting_approval' (it ended): it is in phase 'completed', outcome 'executed', allowed by standing approval sg-7"
    )
    assert seen == ["completed"]
