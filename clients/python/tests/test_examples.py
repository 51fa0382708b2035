"""The Python examples (OpenAI Agents SDK, LangGraph) end to end against the real Airlock, with mock models."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from airlock_client import Airlock, AsyncAirlock

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


openai_agents = load("openai_agents_refund")
langgraph = load("langgraph_refund")


def call_id() -> str:
    return f"call-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def agent_client(url: str):
    async with AsyncAirlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=5_000) as client:
        yield client


async def test_openai_agents_runs_an_allowed_refund_without_interruption(agent_client):
    started = await openai_agents.start(agent_client, "25.00", call_id())
    assert started["done"] and started["refunds"] == [openai_agents.refund_args("25.00")]
    assert started["answer"] == 'Refund done: {"refundId": "re_pay_123", "amount": "25.00"}'


async def test_openai_agents_resumes_a_saved_run_after_a_person_approves(url, agent_client, approver):
    cid = call_id()
    started = await openai_agents.start(agent_client, "125.00", cid)
    assert not started["done"] and len(started["waiting_on"]) == 1
    approver.decide(started["waiting_on"][0], "approve")
    # A fresh client and agent, as in a new process: only the saved string carries the run.
    async with AsyncAirlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=5_000) as fresh:
        finished = await openai_agents.resume(fresh, "125.00", cid, started["saved_state"])
    assert finished["refunds"] == [openai_agents.refund_args("125.00")]
    assert finished["answer"].startswith("Refund done: ") and "re_pay_123" in finished["answer"]


EDITED_NOTE = 'An approver in Airlock changed the arguments before it ran: amount "125.00" → "40.00".'


async def test_openai_agents_runs_the_edited_refund_and_the_model_reads_what_changed(agent_client, approver):
    cid = call_id()
    started = await openai_agents.start(agent_client, "125.00", cid)
    approver.decide(started["waiting_on"][0], "approve", edited_args=openai_agents.refund_args("40.00"))
    finished = await openai_agents.resume(agent_client, "125.00", cid, started["saved_state"])
    assert finished["refunds"] == [openai_agents.refund_args("40.00")]
    assert finished["answer"] == 'Refund done: {"refundId": "re_pay_123", "amount": "40.00"}\n' + EDITED_NOTE


def test_langgraph_runs_the_edited_refund_and_the_model_reads_what_changed(url, approver):
    with Airlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=5_000) as client:
        run = langgraph.run_refund(client, "125.00", call_id(), lambda value: [approver.decide(i, "approve", edited_args=langgraph.refund_args("40.00")) for i in value["action_ids"]])
    assert run["refunds"] == [langgraph.refund_args("40.00")]
    assert run["answer"].endswith(EDITED_NOTE)


async def test_openai_agents_rejects_a_denied_refund_with_the_feedback(agent_client, approver):
    cid = call_id()
    started = await openai_agents.start(agent_client, "125.00", cid)
    approver.decide(started["waiting_on"][0], "deny", feedback="ask the customer first")
    finished = await openai_agents.resume(agent_client, "125.00", cid, started["saved_state"])
    assert finished["refunds"] == []
    assert finished["answer"].startswith("Refund denied: Airlock refused refund: ")
    assert f"denied by {approver.user_id}. Feedback: ask the customer first" in finished["answer"]


@pytest.mark.parametrize(
    ("amount", "decision", "expected"),
    [
        ("25.00", None, "Refund done: "),
        ("125.00", "approve", "Refund done: "),
        ("125.00", "deny", "Refund denied: Airlock refused refund: "),
    ],
)
def test_langgraph_interrupts_and_resumes_on_airlocks_decision(url, approver, amount, decision, expected):
    interrupts: list[dict] = []

    def person(value: dict) -> None:
        interrupts.append(value)
        for action_id in value["action_ids"]:
            approver.decide(action_id, decision, feedback="ask the customer first" if decision == "deny" else None)

    with Airlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=5_000) as client:
        run = langgraph.run_refund(client, amount, call_id(), person)
    assert run["pending"] is (decision is not None)
    assert len(interrupts) == (0 if decision is None else 1)
    assert run["answer"].startswith(expected), run["answer"]
    assert run["refunds"] == ([] if decision == "deny" else [langgraph.refund_args(amount)])
    if decision == "deny":
        assert f"denied by {approver.user_id}. Feedback: ask the customer first" in run["answer"]


@pytest.mark.parametrize("example", ["openai_agents_refund", "langgraph_refund"])
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "AIRLOCK_API_KEY is not set: set it to the agent key `npm start` printed on its first start, or mint one: `npm run airlock -- keys mint --agent demo-agent`"),
        ({"AIRLOCK_URL": "localhost:3000", "AIRLOCK_API_KEY": "alk_x"}, 'AIRLOCK_URL: must be an http(s) URL, got "localhost:3000"'),
        (
            {"AIRLOCK_URL": "http://127.0.0.1:9", "AIRLOCK_API_KEY": "alk_x"},
            re.compile(r"^AIRLOCK_URL: cannot reach Airlock at http://127\.0\.0\.1:9 \(GET /api/v1/agents/me\): .+ \(is Airlock running\? `npm start` serves it on http://localhost:3000\)$"),
        ),
    ],
)
def test_an_example_run_without_settings_says_what_to_set_in_one_line(example: str, env: dict[str, str], message: str | re.Pattern[str]):
    base = {k: v for k, v in os.environ.items() if k not in ("AIRLOCK_URL", "AIRLOCK_API_KEY")}
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{example}.py"), "25.00"], env={**base, **env}, capture_output=True, text=True, timeout=120)
    said = done.stderr.strip()
    assert (done.returncode, done.stdout) == (2, ""), said
    assert message.match(said) if isinstance(message, re.Pattern) else said == message, said


def test_an_example_run_with_a_key_the_server_refuses_says_so_in_one_line(url: str):
    base = {k: v for k, v in os.environ.items() if k not in ("AIRLOCK_URL", "AIRLOCK_API_KEY")}
    for example in ("openai_agents_refund", "langgraph_refund"):
        done = subprocess.run([sys.executable, str(EXAMPLES / f"{example}.py"), "25.00"], env={**base, "AIRLOCK_URL": url, "AIRLOCK_API_KEY": "alk_revoked_or_mistyped"}, capture_output=True, text=True, timeout=120)
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert done.stderr.strip() == f"AIRLOCK_API_KEY: {url} refused it (unknown or revoked API key): use the agent key `npm start` printed on its first start, or mint one: `npm run airlock -- keys mint --agent demo-agent`"


def test_langgraph_tells_the_model_when_airlock_revoked_the_call_between_approve_and_execute():
    # A scripted Airlock: authorized when the approve node asks, revoked (kill switch) when execute does.
    submitted = {"actionId": "act-1", "created": False, "argsHash": "0" * 64, "links": {"self": "/s", "outcome": "/o"}}
    authorized = {
        "status": "authorized", "actionId": "act-1", "tool": "payments.refund", "authorizationId": "auth-1",
        "args": langgraph.refund_args("25.00"), "argsHash": "0" * 64, "expiresAt": "2026-12-05T00:00:00Z", "links": {"report": "/r"},
    }
    revoked = {"status": "cancelled", "actionId": "act-1", "reason": "agent billing-bot suspended: incident 42; the authorization was revoked before it was used"}
    answers = [submitted, authorized, authorized, submitted, revoked]

    def handle(request: httpx.Request) -> httpx.Response:
        assert not request.url.path.endswith("/report"), "nothing ran, so nothing is reported"
        return httpx.Response(200, json=answers.pop(0))

    with Airlock("http://airlock.test", "alk_x", http=httpx.Client(transport=httpx.MockTransport(handle))) as client:
        run = langgraph.run_refund(client, "25.00", call_id())
    assert run["refunds"] == []
    assert run["answer"] == f"Refund denied: Airlock refused refund: cancelled: {revoked['reason']}"
    assert answers == []
