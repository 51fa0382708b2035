"""A LangGraph (Python) agent whose refund tool is gated by Airlock.

agent → approve → execute → respond, with an InMemorySaver checkpointer. The
approve node asks Airlock and calls ``interrupt()`` while a person must decide;
the thread resumes with ``Command(resume=...)`` and reads the decision. The model
is LangChain's GenericFakeChatModel (no network).

    AIRLOCK_URL=... AIRLOCK_API_KEY=alk_... python examples/langgraph_refund.py 125.00
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, NoReturn

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Command, interrupt

from airlock_client import Airlock, AirlockApiError, Authorization, Executed, PendingAuthorization, edited_args_text, refusal_text

AIRLOCK_TOOL = "payments.refund"


def refund_args(amount: str) -> dict[str, str]:
    return {"paymentId": "pay_123", "amount": amount, "currency": "USD", "reason": "duplicate charge"}


def unanswered_calls(messages: list[Any]) -> list[dict[str, Any]]:
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    last_ai = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    return [call for call in (last_ai.tool_calls if last_ai else []) if call["id"] not in answered]


def refund_graph(airlock: Airlock, amount: str, call_id: str, refunds: list[dict[str, Any]]):
    model = GenericFakeChatModel(messages=iter([AIMessage(content="", tool_calls=[{"id": call_id, "name": "refund", "args": refund_args(amount), "type": "tool_call"}])]))

    def action_id(call: dict[str, Any]) -> str:
        return airlock.authorize(AIRLOCK_TOOL, call["args"], idempotency_key=f"langgraph-py:{call['id']}", rationale="The model called refund.").actionId

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    def approve(state: MessagesState) -> dict[str, Any]:
        calls = unanswered_calls(state["messages"])
        ids = [action_id(call) for call in calls]
        waiting = [i for i in ids if isinstance(airlock.check_authorization(i, wait_ms=1_000), PendingAuthorization)]
        if waiting:
            # Checkpointed here; on resume the node runs again and reads Airlock's decisions.
            interrupt({"type": "airlock_approval", "action_ids": waiting})
        refusals = []
        for call, i in zip(calls, ids):
            decided = airlock.await_authorization(i)
            if not isinstance(decided, (Authorization, Executed)):
                refusals.append(ToolMessage(tool_call_id=call["id"], name="refund", status="error", content=f"Airlock refused refund: {refusal_text(decided)}"))
        return {"messages": refusals}

    def execute(state: MessagesState) -> dict[str, Any]:
        results = []
        for call in unanswered_calls(state["messages"]):
            i = action_id(call)
            decided = airlock.await_authorization(i)
            if isinstance(decided, Executed):
                results.append(ToolMessage(tool_call_id=call["id"], name="refund", content=json.dumps(decided.output)))
                continue
            if not isinstance(decided, Authorization):
                # Refused since the approve node ran (a kill switch revoked it, it expired): the model is told.
                results.append(ToolMessage(tool_call_id=call["id"], name="refund", status="error", content=f"Airlock refused refund: {refusal_text(decided)}"))
                continue
            try:
                # Claimed before it runs: a retry of this call from another process (after a crash) must not refund twice.
                airlock.claim_run(i, decided)
            except AirlockApiError as error:
                if error.code != "conflict":
                    raise
                results.append(ToolMessage(tool_call_id=call["id"], name="refund", status="error", content=f"refund was not run here: {error}; its result shows in Airlock once reported"))
                continue
            refunds.append(decided.args)  # the agent's own payment code, with the authorized arguments
            output = {"refundId": f"re_{decided.args['paymentId']}", "amount": decided.args["amount"]}
            airlock.report(i, decided, output=output)
            # The model asked for call["args"]; it must know when a person changed them.
            edited = edited_args_text(call["args"], decided.args)
            results.append(ToolMessage(tool_call_id=call["id"], name="refund", content="\n".join(filter(None, [json.dumps(output), edited]))))
        return {"messages": results}

    def respond(state: MessagesState) -> dict[str, Any]:
        last = state["messages"][-1]
        outcome = "denied" if getattr(last, "status", "success") == "error" else "done"
        return {"messages": [AIMessage(content=f"Refund {outcome}: {last.content}")]}

    graph = StateGraph(MessagesState)
    for name, node in (("agent", agent), ("approve", approve), ("execute", execute), ("respond", respond)):
        graph.add_node(name, node)
    graph.add_edge(START, "agent")
    graph.add_edge("agent", "approve")
    graph.add_edge("approve", "execute")
    graph.add_edge("execute", "respond")
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=InMemorySaver())


def run_refund(airlock: Airlock, amount: str, call_id: str, on_interrupt: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    refunds: list[dict[str, Any]] = []
    graph = refund_graph(airlock, amount, call_id, refunds)
    config = {"configurable": {"thread_id": f"refund-{call_id}"}}
    result = graph.invoke({"messages": [HumanMessage(f"Refund {amount} USD for the duplicate charge on pay_123.")]}, config)
    pending = False
    while result.get("__interrupt__"):
        pending = True
        for item in result["__interrupt__"]:
            if on_interrupt:
                on_interrupt(item.value)
        result = graph.invoke(Command(resume="decided in Airlock"), config)
    return {"answer": result["messages"][-1].content, "refunds": refunds, "pending": pending}


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


if __name__ == "__main__":
    with Airlock(*airlock_settings()) as client:
        run = run_refund(client, sys.argv[1] if len(sys.argv) > 1 else "25.00", f"call-{os.getpid()}", lambda value: print(f"waiting for a person in Airlock: {value['action_ids']}"))
        print(run["answer"])
