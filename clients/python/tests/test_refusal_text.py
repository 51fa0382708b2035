"""The model reads the same refusal from the Python client as from the TypeScript SDK
(``denialText`` in @airlock/core): the approver named once, then the feedback."""

from __future__ import annotations

from types import SimpleNamespace

from airlock_client.client import edited_args_text, refusal_text


def denied(reason: str, denied_by: str | None = None, feedback: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(status="denied", reason=reason, deniedBy=denied_by, feedback=feedback)


def test_a_denial_names_the_approver_once() -> None:
    assert refusal_text(denied("denied by alice", "alice", "ask the customer first")) == "denied by alice. Feedback: ask the customer first"
    assert refusal_text(denied("denied by alice", "alice")) == "denied by alice"


def test_a_comment_and_a_policy_reason_are_kept() -> None:
    assert refusal_text(denied("not on a Friday", "bo", "try Monday")) == "denied by bo: not on a Friday. Feedback: try Monday"
    assert refusal_text(denied("refunds over 10,000 are never allowed")) == "denied: refunds over 10,000 are never allowed"


def test_an_edit_is_told_as_the_typescript_sdk_tells_it():
    # The same text as editedArgsText in @airlock/sdk (packages/sdk/src/gate.unit.test.ts).
    assert edited_args_text({"amount": "125.00", "meta": {"a": 1, "b": 2}}, {"meta": {"b": 2, "a": 1}, "amount": "125.00"}) is None
    assert (
        edited_args_text({"amount": "125.00", "reason": "dup", "note": "x"}, {"amount": "100.00", "reason": "dup", "currency": "USD"})
        == 'An approver in Airlock changed the arguments before it ran: amount "125.00" → "100.00", note "x" → (none), currency (none) → "USD".'
    )


def test_numbers_equal_as_json_are_no_edit_but_a_boolean_is_not_a_number():
    # The server holds 1.0 as 1 (JSON has one number type); editedArgsText compares canonical JSON the same way.
    assert edited_args_text({"ms": 1.0, "steps": [{"n": 2.0}]}, {"ms": 1, "steps": [{"n": 2}]}) is None
    assert edited_args_text({"ms": 1.5}, {"ms": 1}) == "An approver in Airlock changed the arguments before it ran: ms 1.5 → 1."
    assert edited_args_text({"on": True}, {"on": 1}) == "An approver in Airlock changed the arguments before it ran: on true → 1."
    assert edited_args_text({"n": "1"}, {"n": 1}) == 'An approver in Airlock changed the arguments before it ran: n "1" → 1.'
    assert edited_args_text({"x": None}, {}) == "An approver in Airlock changed the arguments before it ran: x null → (none)."


def test_a_failed_call_is_said_to_have_run() -> None:
    # The same text as refusalText in @airlock/sdk (packages/sdk/src/gate.unit.test.ts).
    assert refusal_text(SimpleNamespace(status="failed", error="card declined")) == "it ran and failed: card declined"
