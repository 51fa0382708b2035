"""Fixtures for the suite that runs against a real Airlock server.

The server is started by test/src/clients/python-client.test.ts (real worker,
Temporal and PostgreSQL), which passes its address and keys in the environment:
AIRLOCK_URL, AIRLOCK_API_KEY (agent billing-bot), AIRLOCK_OTHER_AGENT_KEY
(agent support-bot) and AIRLOCK_APPROVER_KEY (user alice, an approver).
AIRLOCK_APPROVER_ID names the user of AIRLOCK_APPROVER_KEY (default alice), the
name a denial is attributed to (`deniedBy`); the API has no "who am I" for a
user's key, so a run with another approver's key sets it.

Only tests that use the server (the `url` fixture, directly or through another
fixture) are skipped without those variables; the rest (scripted transports)
always run.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any, Callable

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock

REQUIRED = ("AIRLOCK_URL", "AIRLOCK_API_KEY", "AIRLOCK_APPROVER_KEY")

# How long the tests wait for an action to reach a phase (the TypeScript suite's waits use 20 s).
PHASE_WAIT_SECONDS = 30.0
# A phase an action never leaves: waiting on for another one is pointless.
FINAL_PHASES = frozenset({"completed"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        skip = pytest.mark.skip(reason=f"needs a running Airlock: set {', '.join(missing)} (npm test does)")
        for item in items:
            if "url" in getattr(item, "fixturenames", ()):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def url() -> str:
    return os.environ["AIRLOCK_URL"]


@pytest.fixture
def airlock(url: str):
    with Airlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=5_000) as client:
        yield client


@pytest.fixture
async def async_airlock(url: str):
    async with AsyncAirlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=5_000) as client:
        yield client


@pytest.fixture
def other_agent(url: str):
    with Airlock(url, os.environ["AIRLOCK_OTHER_AGENT_KEY"]) as client:
        yield client


@pytest.fixture
def key() -> Callable[[str], str]:
    """A fresh idempotency key per call, so reruns against one server never collide."""
    return lambda name: f"py-{name}-{uuid.uuid4().hex[:12]}"


class Approver:
    """A person deciding through the REST API, as from the console.

    ``user_id`` is the key's user, the name a denial is attributed to.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        user_id: str = "alice",
        *,
        transport: httpx.BaseTransport | None = None,
        phase_wait_seconds: float = PHASE_WAIT_SECONDS,
    ) -> None:
        self.user_id = user_id
        self.phase_wait_seconds = phase_wait_seconds
        self._http = httpx.Client(base_url=url, headers={"authorization": f"Bearer {api_key}"}, timeout=30, transport=transport)

    def status(self, action_id: str) -> dict[str, Any]:
        response = self._http.get(f"/api/v1/actions/{action_id}/status")
        response.raise_for_status()
        return response.json()

    def await_phase(self, action_id: str, phase: str, timeout: float | None = None) -> dict[str, Any]:
        """The action's status once it is in ``phase``; fails after ``timeout`` seconds
        (``phase_wait_seconds`` by default), or at once if it ended in another phase
        (e.g. a standing approval approved it, so it never awaits a person)."""
        deadline = time.monotonic() + (self.phase_wait_seconds if timeout is None else timeout)
        while True:
            status = self.status(action_id)
            if status["phase"] == phase:
                return status
            ended = status["phase"] in FINAL_PHASES
            if ended or time.monotonic() >= deadline:
                why = "it ended" if ended else f"waited {self.phase_wait_seconds if timeout is None else timeout:g} s"
                seen = [f"it is in phase {status['phase']!r}"]
                if isinstance(status.get("outcome"), dict):
                    seen.append(f"outcome {status['outcome'].get('status')!r}")
                if status.get("standingGrantId"):
                    seen.append(f"allowed by standing approval {status['standingGrantId']}")
                pytest.fail(f"action {action_id} never reached phase {phase!r} ({why}): {', '.join(seen)}")
            time.sleep(0.05)

    def decide(self, action_id: str, decision: str, feedback: str | None = None, edited_args: dict[str, Any] | None = None) -> None:
        status = self.await_phase(action_id, "awaiting_approval")
        body: dict[str, Any] = {"decision": decision, "argsHash": status["argsHash"]}
        if feedback:
            body["feedback"] = feedback
        if edited_args:
            body["editedArgs"] = edited_args
        response = self._http.post(f"/api/v1/actions/{action_id}/decisions", json=body)
        assert response.status_code == 200, response.text


@pytest.fixture
def approver(url: str) -> Approver:
    return Approver(url, os.environ["AIRLOCK_APPROVER_KEY"], os.environ.get("AIRLOCK_APPROVER_ID") or "alice")


def refund_args(amount: str) -> dict[str, str]:
    """Arguments of Airlock's payments.refund; the default policy approves up to 50.00 on its own."""
    return {"paymentId": "pay_123", "amount": amount, "currency": "USD", "reason": "duplicate charge"}
