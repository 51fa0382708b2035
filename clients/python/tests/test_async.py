"""The async client: the same gate from asyncio."""

from __future__ import annotations

import asyncio

import pytest

from airlock_client import Authorization, Denied, Executed, Failed, InvalidRequestError

from .conftest import refund_args


async def test_run_and_plans(async_airlock, key):
    outcome = await async_airlock.run("demo.echo", {"message": "async"}, idempotency_key=key("echo"))
    assert isinstance(outcome, Executed) and outcome.output == {"message": "async"}
    plan = await async_airlock.run_plan([{"tool": "demo.echo", "args": {"message": "p"}}], idempotency_key=key("plan"))
    assert isinstance(plan, Executed)


async def test_a_person_denies_while_the_agent_waits(async_airlock, approver, key):
    handle = await async_airlock.start("payments.refund", refund_args("150.00"), idempotency_key=key("refund"))
    waiting = asyncio.create_task(handle.result())
    await asyncio.to_thread(approver.decide, handle.action_id, "deny", "use store credit")
    outcome = await waiting
    assert isinstance(outcome, Denied) and outcome.feedback == "use store credit"


async def test_gate_only_and_errors(async_airlock, key):
    submitted = await async_airlock.authorize("demo.echo", {"message": "self-run"}, idempotency_key=key("gate"))
    state = await async_airlock.await_authorization(submitted.actionId)
    assert isinstance(state, Authorization)
    failed = await async_airlock.report(submitted.actionId, state, error="disk full")
    assert isinstance(failed, Failed) and failed.error == "disk full"
    assert await async_airlock.authorization(submitted.actionId) == failed
    with pytest.raises(InvalidRequestError) as bad:
        await async_airlock.start("Not A Tool", {}, idempotency_key=key("bad"))
    assert "tool" in bad.value.fields
