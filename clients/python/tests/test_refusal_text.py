"""The model reads the same refusal from the Python client as from the TypeScript SDK
(``denialText`` in @airlock/core): the approver named once, then the feedback."""

from __future__ import annotations

from types import SimpleNamespace

from airlock_client.client import refusal_text


def denied(reason: str, denied_by: str | None = None, feedback: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(status="denied", reason=reason, deniedBy=denied_by, feedback=feedback)


def test_a_denial_names_the_approver_once() -> None:
    assert refusal_text(denied("denied by alice", "alice", "ask the customer first")) == "denied by alice. Feedback: ask the customer first"
    assert refusal_text(denied("denied by alice", "alice")) == "denied by alice"


def test_a_comment_and_a_policy_reason_are_kept() -> None:
    assert refusal_text(denied("not on a Friday", "bo", "try Monday")) == "denied by bo: not on a Friday. Feedback: try Monday"
    assert refusal_text(denied("refunds over 10,000 are never allowed")) == "denied: refunds over 10,000 are never allowed"
