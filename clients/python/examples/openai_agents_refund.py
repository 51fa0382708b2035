"""An OpenAI Agents SDK (Python) agent whose refund tool is gated by Airlock.

``needs_approval`` asks Airlock (one gate-only action per tool call); the tool
runs with the arguments Airlock authorized and reports the result. When a
person must decide, the run stops with an interruption; its state is saved as a
string (``RunState.to_string``), and a later process restores it, applies
Airlock's decision and finishes. The model is a scripted ``Model`` (no network).

    AIRLOCK_URL=... AIRLOCK_API_KEY=alk_... python examples/openai_agents_refund.py 125.00
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any, NoReturn

from agents import Agent, ModelResponse, Runner, RunState, Usage, function_tool
from agents.models.interface import Model
from agents.tool_context import ToolContext
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

from airlock_client import Airlock, AirlockApiError, AsyncAirlock, Authorization, Executed, edited_args_text, refusal_text

AIRLOCK_TOOL = "payments.refund"


def refund_args(amount: str) -> dict[str, str]:
    return {"paymentId": "pay_123", "amount": amount, "currency": "USD", "reason": "duplicate charge"}


class ScriptedRefundModel(Model):
    """Calls the refund tool first, then answers with the tool's result or the reason it was refused."""

    def __init__(self, amount: str, call_id: str) -> None:
        self.amount = amount
        self.call_id = call_id

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema, handoffs, tracing, **_: Any) -> ModelResponse:
        last = input[-1] if isinstance(input, list) and input else None
        if isinstance(last, dict) and last.get("type") == "function_call_output":
            result = str(last.get("output"))
            text = f"Refund denied: {result}" if result.startswith("Airlock refused") else f"Refund done: {result}"
            message = ResponseOutputMessage(id="msg_1", type="message", role="assistant", status="completed", content=[ResponseOutputText(type="output_text", text=text, annotations=[])])
            return ModelResponse(output=[message], usage=Usage(), response_id=None)
        call = ResponseFunctionToolCall(id="fc_1", type="function_call", call_id=self.call_id, name="refund", arguments=json.dumps(refund_args(self.amount)), status="completed")
        return ModelResponse(output=[call], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any):
        raise NotImplementedError("the scripted model does not stream")


def refund_agent(airlock: AsyncAirlock, amount: str, call_id: str, refunds: list[dict[str, Any]]) -> Agent:
    async def authorize(call_id: str, args: dict[str, Any]) -> str:
        submitted = await airlock.authorize(AIRLOCK_TOOL, args, idempotency_key=f"openai-agents-py:{call_id}", rationale="The model called refund.")
        return submitted.actionId

    async def needs_approval(_context: Any, params: dict[str, Any], call_id: str) -> bool:
        # Allowed by policy or already approved: no interruption. Re-evaluated when a restored run resumes.
        state = await airlock.check_authorization(await authorize(call_id, params), wait_ms=1_000)
        return not isinstance(state, (Authorization, Executed))

    @function_tool(needs_approval=needs_approval)
    async def refund(context: ToolContext[Any], paymentId: str, amount: str, currency: str, reason: str) -> str:
        """Refund a payment."""
        asked = {"paymentId": paymentId, "amount": amount, "currency": currency, "reason": reason}
        action_id = await authorize(context.tool_call_id, asked)
        state = await airlock.await_authorization(action_id)
        if isinstance(state, Executed):
            return json.dumps(state.output)
        if not isinstance(state, Authorization):
            return f"Airlock refused refund: {refusal_text(state)}"
        try:
            # Claimed before it runs: a retry of this call from another process (after a crash) must not refund twice.
            await airlock.claim_run(action_id, state)
        except AirlockApiError as error:
            if error.code != "conflict":
                raise
            return f"refund was not run here: {error}; its result shows in Airlock once reported"
        refunds.append(state.args)  # the agent's own payment code, with the authorized arguments
        output = {"refundId": f"re_{state.args['paymentId']}", "amount": state.args["amount"]}
        await airlock.report(action_id, state, output=output)
        # The model must know when a person changed what it asked for.
        return "\n".join(filter(None, [json.dumps(output), edited_args_text(asked, state.args)]))

    return Agent(name="billing-bot", instructions="Refund when asked.", model=ScriptedRefundModel(amount, call_id), tools=[refund])


async def start(airlock: AsyncAirlock, amount: str, call_id: str) -> dict[str, Any]:
    """Runs until done, or until a person must decide: then returns the saved run state."""
    refunds: list[dict[str, Any]] = []
    agent = refund_agent(airlock, amount, call_id, refunds)
    result = await Runner.run(agent, f"Refund {amount} USD for the duplicate charge on pay_123.")
    if not result.interruptions:
        return {"done": True, "answer": result.final_output, "refunds": refunds}
    action_ids = [(await airlock.authorize(AIRLOCK_TOOL, json.loads(item.raw_item.arguments), idempotency_key=f"openai-agents-py:{item.raw_item.call_id}")).actionId for item in result.interruptions]
    return {"done": False, "saved_state": result.to_state().to_string(), "waiting_on": action_ids, "refunds": refunds}


async def resume(airlock: AsyncAirlock, amount: str, call_id: str, saved_state: str) -> dict[str, Any]:
    """Restores a saved run (in this or another process), applies Airlock's decisions and finishes it."""
    refunds: list[dict[str, Any]] = []
    agent = refund_agent(airlock, amount, call_id, refunds)
    state = await RunState.from_string(agent, saved_state)
    for item in state.get_interruptions():
        args = json.loads(item.raw_item.arguments)
        submitted = await airlock.authorize(AIRLOCK_TOOL, args, idempotency_key=f"openai-agents-py:{item.raw_item.call_id}")
        decided = await airlock.await_authorization(submitted.actionId)
        if isinstance(decided, (Authorization, Executed)):
            state.approve(item)
        else:
            state.reject(item, rejection_message=f"Airlock refused refund: {refusal_text(decided)}")
    result = await Runner.run(agent, state)
    return {"answer": result.final_output, "refunds": refunds}


def airlock_settings() -> tuple[str, str]:
    """AIRLOCK_URL and AIRLOCK_API_KEY; a missing key, a malformed URL, a server that does not answer
    and a key it refuses each end the run with one line saying what to set (exit 2)."""
    url = os.environ.get("AIRLOCK_URL", "http://localhost:3000")
    api_key = os.environ.get("AIRLOCK_API_KEY")
    if not api_key:
        exit_with(f"AIRLOCK_API_KEY is not set: set it to {GET_A_KEY}")
    if not url.startswith(("http://", "https://")):
        exit_with(f'AIRLOCK_URL: must be an http(s) URL, got "{url}"')
    # One cheap call first, so a wrong URL or key is said plainly before any framework runs.
    try:
        with Airlock(url, api_key) as client:
            client.me()
    except AirlockApiError as error:
        if error.status in (401, 403):
            exit_with(f"AIRLOCK_API_KEY: {url} refused it ({error.message}): use {GET_A_KEY}")
        running = " (is Airlock running? `npm start` serves it on http://localhost:3000)" if error.code == "unreachable" else ""
        exit_with(f"AIRLOCK_URL: {error.message}{running}")
    return url, api_key


# `npm start` creates `demo-agent` (allowed the demo tools, refunds included) and prints its key once.
GET_A_KEY = "the agent key `npm start` printed on its first start, or mint one: `npm run airlock -- keys mint --agent demo-agent`"


def exit_with(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(2)


async def main() -> None:
    amount = sys.argv[1] if len(sys.argv) > 1 else "25.00"
    async with AsyncAirlock(*airlock_settings()) as airlock:
        started = await start(airlock, amount, f"call-{os.getpid()}")
        if started["done"]:
            print(started["answer"])
            return
        print(f"waiting for a person in Airlock: {', '.join(started['waiting_on'])}")
        print((await resume(airlock, amount, f"call-{os.getpid()}", started["saved_state"]))["answer"])


if __name__ == "__main__":
    asyncio.run(main())
