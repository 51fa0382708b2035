"""The sync client against a real Airlock: outcomes, handles, plans, gate-only actions, errors."""

from __future__ import annotations

import pytest

from airlock_client import (
    AirlockApiError,
    Authorization,
    Cancelled,
    Denied,
    Executed,
    IdempotencyConflictError,
    InvalidRequestError,
    PendingAuthorization,
)

from .conftest import refund_args


def test_run_returns_the_executed_outcome_with_the_tool_output(airlock, key):
    outcome = airlock.run("demo.echo", {"message": "hi"}, idempotency_key=key("echo"), rationale="test")
    assert isinstance(outcome, Executed)
    assert outcome.output == {"message": "hi"}


def test_a_pending_action_is_denied_by_a_person_and_the_feedback_reaches_the_agent(airlock, approver, key):
    handle = airlock.start("payments.refund", refund_args("125.00"), idempotency_key=key("refund"), rationale="charged twice")
    assert handle.created
    assert approver.await_phase(handle.action_id, "awaiting_approval")["tool"] == "payments.refund"
    assert handle.status().phase == "awaiting_approval"
    approver.decide(handle.action_id, "deny", feedback="ask the customer first")
    outcome = handle.result()
    assert isinstance(outcome, Denied)
    assert (outcome.feedback, outcome.deniedBy) == ("ask the customer first", approver.user_id)
    # A handle rebuilt from the id alone (after the agent restarts) sees the same outcome.
    assert airlock.action(handle.action_id).result() == outcome


def test_an_approved_action_runs(airlock, approver, key):
    handle = airlock.start("payments.refund", refund_args("75.00"), idempotency_key=key("refund"))
    approver.decide(handle.action_id, "approve")
    assert isinstance(airlock.wait(handle.action_id), Executed)


def test_wait_gives_up_after_its_timeout_while_a_person_has_not_decided(airlock, approver, key):
    handle = airlock.start("payments.refund", refund_args("80.00"), idempotency_key=key("refund"))
    approver.await_phase(handle.action_id, "awaiting_approval")
    with pytest.raises(TimeoutError):
        handle.result(timeout=0.5)
    handle.cancel()


def test_cancel_ends_a_pending_action_as_cancelled(airlock, approver, key):
    handle = airlock.start("payments.refund", refund_args("90.00"), idempotency_key=key("refund"))
    approver.await_phase(handle.action_id, "awaiting_approval")
    assert handle.cancel().cancelRequested is True
    assert isinstance(handle.result(), Cancelled)


def test_a_plan_runs_its_steps_in_order(airlock, key):
    outcome = airlock.run_plan(
        [{"tool": "demo.echo", "args": {"message": "one"}}, {"tool": "demo.echo", "args": {"message": "two"}}],
        idempotency_key=key("plan"),
        rationale="two echoes",
    )
    assert isinstance(outcome, Executed)


def test_the_same_key_is_the_same_action_and_other_arguments_are_refused(airlock, key):
    k = key("dup")
    first = airlock.start("demo.echo", {"message": "a"}, idempotency_key=k)
    again = airlock.start("demo.echo", {"message": "a"}, idempotency_key=k)
    assert (again.action_id, again.created) == (first.action_id, False)
    with pytest.raises(IdempotencyConflictError):
        airlock.start("demo.echo", {"message": "b"}, idempotency_key=k)


def test_bad_input_raises_with_the_field_path(airlock, key):
    # Refused by the server, which names the field.
    with pytest.raises(InvalidRequestError) as bad_tool:
        airlock.start("Not A Tool", {}, idempotency_key=key("bad"))
    assert bad_tool.value.status == 400
    assert "tool" in bad_tool.value.fields
    with pytest.raises(InvalidRequestError) as bad_args:
        airlock.start("payments.refund", {"paymentId": "p", "currency": "USD", "reason": "r"}, idempotency_key=key("bad"))
    assert any(path.startswith("args.amount") for path in bad_args.value.fields), bad_args.value.issues
    # Refused before anything is sent.
    with pytest.raises(InvalidRequestError) as not_a_dict:
        airlock.start("demo.echo", ["not", "an", "object"], idempotency_key=key("bad"))  # type: ignore[arg-type]
    assert not_a_dict.value.fields == ["args"]


def test_an_agent_cannot_see_or_cancel_another_agents_action(airlock, other_agent, key):
    theirs = other_agent.start("demo.echo", {"message": "mine"}, idempotency_key=key("theirs"))
    with pytest.raises(AirlockApiError) as status:
        airlock.status(theirs.action_id)
    assert (status.value.status, status.value.code) == (404, "not_found")
    with pytest.raises(AirlockApiError):
        airlock.cancel(theirs.action_id)
    assert isinstance(theirs.result(), Executed)


def test_me_names_the_agent_of_the_key(airlock):
    assert airlock.me().id == "billing-bot"


def test_naming_the_agent_is_checked_against_the_key(airlock, key):
    # The key decides; agent_id, given, must be its agent: the same check as the TypeScript SDK's agentId.
    assert isinstance(airlock.run("demo.echo", {"message": "named"}, idempotency_key=key("named"), agent_id="billing-bot"), Executed)
    with pytest.raises(AirlockApiError) as refused:
        airlock.start("demo.echo", {"message": "as another"}, idempotency_key=key("other"), agent_id="support-bot")
    assert refused.value.status == 403 and "support-bot" in refused.value.message
    submitted = airlock.authorize("payments.refund", refund_args("20.00"), idempotency_key=key("gate-named"), agent_id="billing-bot")
    with pytest.raises(AirlockApiError) as read:
        airlock.authorization(submitted.actionId, agent_id="support-bot")
    assert read.value.status == 403
    assert isinstance(airlock.await_authorization(submitted.actionId, agent_id="billing-bot"), Authorization)


def test_a_gate_only_action_is_authorized_then_reported_once(airlock, key):
    submitted = airlock.authorize("payments.refund", refund_args("20.00"), idempotency_key=key("gate"), rationale="small refund")
    state = airlock.await_authorization(submitted.actionId)
    assert isinstance(state, Authorization)
    assert state.args == refund_args("20.00")
    outcome = airlock.report(submitted.actionId, state, output={"refundId": "re_1"})
    assert isinstance(outcome, Executed) and outcome.output == {"refundId": "re_1"}
    # Reporting twice is idempotent.
    assert airlock.report(submitted.actionId, state, output={"refundId": "re_1"}) == outcome
    assert isinstance(airlock.authorization(submitted.actionId), Executed)


def test_a_gate_only_action_waits_for_a_person(airlock, approver, key):
    submitted = airlock.authorize("payments.refund", refund_args("300.00"), idempotency_key=key("gate"))
    pending = airlock.check_authorization(submitted.actionId, wait_ms=200)
    assert isinstance(pending, PendingAuthorization) and pending.phase == "awaiting_approval"
    approver.decide(submitted.actionId, "deny", feedback="too large")
    denied = airlock.await_authorization(submitted.actionId)
    assert isinstance(denied, Denied) and denied.feedback == "too large"
