"""The run claim of a gate-only action (``claim_run``): one runner starts the tool, any other is refused."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from airlock_client import AirlockApiError, Airlock, Authorization, Executed, InvalidRequestError, RunClaimed

from .conftest import refund_args


def test_one_runner_claims_the_run_another_process_is_refused(airlock, url, key):
    idempotency_key = key("claim")
    submitted = airlock.authorize("payments.refund", refund_args("21.00"), idempotency_key=idempotency_key)
    state = airlock.await_authorization(submitted.actionId)
    assert isinstance(state, Authorization) and state.claimedAt is None
    claimed = airlock.claim_run(submitted.actionId, state)
    assert isinstance(claimed, RunClaimed)
    assert (claimed.status, claimed.actionId, claimed.authorizationId) == ("claimed", submitted.actionId, state.authorizationId)
    assert len(claimed.runnerId) == 32  # a uuid4, made by the client
    # The same runner again (a retry after a network error): the same answer.
    assert airlock.claim_run(submitted.actionId, state, runner_id=claimed.runnerId) == claimed
    # The authorization shows it was claimed.
    assert airlock.authorization(submitted.actionId).claimedAt == claimed.claimedAt

    # Another process of the same agent (a client of its own) retrying the same tool call: refused, it must not run the tool.
    with Airlock(url, os.environ["AIRLOCK_API_KEY"]) as restarted:
        again = restarted.await_authorization(restarted.authorize("payments.refund", refund_args("21.00"), idempotency_key=idempotency_key).actionId)
        assert isinstance(again, Authorization) and again.authorizationId == state.authorizationId
        with pytest.raises(AirlockApiError) as refused:
            restarted.claim_run(submitted.actionId, again)
    assert (refused.value.status, refused.value.code) == (409, "conflict")
    assert f"already claimed by another runner at {claimed.claimedAt}" in str(refused.value)

    # The report is taken as always; a claim after it is refused.
    assert isinstance(airlock.report(submitted.actionId, state, output={"refundId": "re_1"}), Executed)
    with pytest.raises(AirlockApiError) as late:
        airlock.claim_run(submitted.actionId, state, runner_id="late")
    assert (late.value.status, late.value.code) == (409, "decision_rejected")


def test_claim_run_takes_only_an_authorization_and_a_runner_id_within_limits(airlock, key):
    with pytest.raises(InvalidRequestError) as not_authorized:
        airlock.claim_run("a", SimpleNamespace(status="denied"))  # type: ignore[arg-type]
    assert "nothing to claim" in str(not_authorized.value)
    submitted = airlock.authorize("demo.echo", {"message": "claim"}, idempotency_key=key("claim-bad"))
    state = airlock.await_authorization(submitted.actionId)
    with pytest.raises(InvalidRequestError) as empty:
        airlock.claim_run(submitted.actionId, state, runner_id="")
    assert "runnerId" in empty.value.fields


async def test_the_async_client_claims_too(async_airlock, key):
    submitted = await async_airlock.authorize("demo.echo", {"message": "async claim"}, idempotency_key=key("claim-async"))
    state = await async_airlock.await_authorization(submitted.actionId)
    claimed = await async_airlock.claim_run(submitted.actionId, state, runner_id="runner-async")
    assert (claimed.runnerId, claimed.authorizationId) == ("runner-async", state.authorizationId)
    with pytest.raises(AirlockApiError) as refused:
        await async_airlock.claim_run(submitted.actionId, state, runner_id="another")
    assert refused.value.code == "conflict"

