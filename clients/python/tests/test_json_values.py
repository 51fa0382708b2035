"""What the client sends is the JSON the caller gave. A new request (arguments, signals, plan steps) with NaN, Infinity
or an object with no JSON form is refused before anything is sent, naming the field (``args.x: must be a finite
number``, as the server and the TypeScript SDK say it), never sent as ``null`` for a person to approve arguments the
agent never asked for. A report is the record of a tool that has run, so it is always sent: such an output goes in the
server's storable form (``{"airlock": "output not storable as sent", "problem": ..., "json": ...}``)."""

from __future__ import annotations

import datetime
import decimal
import json
import math
import os
import re
import uuid

import httpx
import pytest

from airlock_client import Airlock, AirlockError, AsyncAirlock, Authorization, Executed, Failed, InvalidRequestError

SUBMITTED = {"actionId": "act-1", "created": True, "argsHash": "0" * 64, "links": {"self": "/s", "outcome": "/o"}}
GRANTED = Authorization(status="authorized", actionId="act-1", tool="demo.echo", authorizationId="z", args={"ms": 1}, argsHash="h", expiresAt="2030-01-01T00:00:00Z", links={"report": "/r"})


class Receipt:
    """An object with no JSON form."""


@pytest.fixture
def sent():
    return []


@pytest.fixture
def airlock(sent):
    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202, json=SUBMITTED)

    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(record))) as client:
        yield client


def test_nan_and_infinity_in_arguments_are_refused_naming_each_field(airlock, sent):
    with pytest.raises(InvalidRequestError) as raised:
        airlock.authorize("demo.other", {"x": math.nan, "y": math.inf, "nested": {"list": [1, -math.inf]}}, idempotency_key="k-1")
    assert raised.value.issues == [("args.x", "must be a finite number"), ("args.y", "must be a finite number"), ("args.nested.list.1", "must be a finite number")]
    assert str(raised.value).startswith("args.x: must be a finite number; ")
    assert isinstance(raised.value, AirlockError)
    with pytest.raises(InvalidRequestError, match=r"^args\.x: must be a finite number$"):
        airlock.start("demo.other", {"x": math.nan}, idempotency_key="k-2")
    with pytest.raises(InvalidRequestError, match=r"^steps\.0\.args\.x: must be a finite number$"):
        airlock.start_plan([{"tool": "demo.echo", "args": {"x": math.inf}}], idempotency_key="k-3")
    assert sent == []


def test_a_non_finite_signal_is_the_clients_error_naming_the_signal(airlock, sent):
    with pytest.raises(InvalidRequestError) as raised:
        airlock.authorize("demo.other", {}, idempotency_key="k-1", signals={"confidence": math.inf})
    assert raised.value.issues == [("signals.confidence", "must be a finite number")]
    with pytest.raises(InvalidRequestError, match=r"^signals\.confidence: must be a finite number$"):
        airlock.start("demo.other", {}, idempotency_key="k-2", signals={"confidence": math.nan})
    assert sent == []


def test_a_value_with_no_json_form_in_arguments_is_still_refused(airlock, sent):
    with pytest.raises(InvalidRequestError, match=r"^args\.r: must be JSON \(.*\), got Receipt$"):
        airlock.authorize("demo.other", {"r": Receipt()}, idempotency_key="k-1")
    assert sent == []


def stored(problem: str, json_text: str) -> dict[str, str]:
    return {"airlock": "output not storable as sent", "problem": problem, "json": json_text}


@pytest.fixture
def reports():
    """A console that answers every report ``executed``; the reports' bodies, as sent."""
    bodies: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"status": "executed", "actionId": "act-1", "output": None})

    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(answer))) as client:
        yield client, bodies


def test_a_report_output_with_no_json_form_is_sent_in_the_servers_storable_form_naming_the_field(reports):
    """The tool has run: refusing its report would leave the action authorized until it expired as not used."""
    airlock, bodies = reports
    looped: dict = {"rows": 2}
    looped["self"] = looped
    for output in ({"receipt": Receipt(), "took": math.nan}, math.inf, looped, {"took": math.nan, "rows": [1, 2]}):
        assert isinstance(airlock.report("act-1", GRANTED, output=output), Executed)
    outputs = [body["output"] for body in bodies]
    assert outputs[0]["problem"] == "output.receipt: must be JSON (an object, array, string, number, boolean or null), got Receipt"
    assert re.fullmatch(r'\{"receipt":"<.*Receipt object at 0x[0-9a-f]+>","took":NaN\}', outputs[0]["json"])
    assert outputs[1:] == [
        stored("output: must be a finite number", "Infinity"),
        stored("output.self: must be JSON: it contains itself", '{"rows":2,"self":"[cycle]"}'),
        stored("output.took: must be a finite number", '{"took":NaN,"rows":[1,2]}'),
    ]
    assert bodies[3] == {"authorizationId": "z", "args": {"ms": 1}, "status": "succeeded", "output": outputs[3]}


def test_an_output_pydantic_cannot_write_is_sent_too_and_one_with_a_json_form_as_it_is(reports):
    airlock, bodies = reports
    deep: list = []
    for _ in range(300):
        deep = [deep]
    airlock.report("act-1", GRANTED, output=deep)
    airlock.report("act-1", GRANTED, output={"on": datetime.date(2030, 1, 2), "pair": (1, 2.5)})
    assert bodies[0]["output"]["problem"] == "output: must be JSON: writing it failed (ValueError: Maximum serialization depth exceeded)"
    assert bodies[0]["output"]["json"] == "[" * 301 + "]" * 301
    assert bodies[1]["output"] == {"on": "2030-01-02", "pair": [1, 2.5]}


def test_a_long_output_text_is_cut_on_a_code_point_boundary_counted_as_the_server_counts(reports):
    airlock, bodies = reports
    airlock.report("act-1", GRANTED, output={"took": math.nan, "text": "😀" * 100_000})
    text = bodies[0]["output"]["json"]
    whole = '{"took":NaN,"text":"' + "😀" * 100_000 + '"}'
    total = len(whole.encode("utf-16-le")) // 2
    marker = re.search(r"… \[cut by Airlock: (\d+) of (\d+) characters\]$", text)
    assert marker and int(marker.group(2)) == total
    kept = text[: marker.start()]
    assert whole.startswith(kept) and kept.endswith("😀")
    assert len(text.encode("utf-16-le")) // 2 <= 131_072
    assert int(marker.group(1)) == total - len(kept.encode("utf-16-le")) // 2


def report_route(bodies: list[dict]):
    """The report route, which reads at most 16 MiB: a larger body is refused with 413 and the run never recorded.
    A body it takes is kept in ``bodies``."""

    def route(request: httpx.Request) -> httpx.Response:
        if len(request.content) > 16 * 1024 * 1024:
            return httpx.Response(413, json={"error": {"code": "payload_too_large", "message": "request body exceeds 16777216 bytes"}})
        body = json.loads(request.content)
        bodies.append(body)
        if "error" in body:
            return httpx.Response(200, json={"status": "failed", "actionId": "act-1", "error": body["error"][:4_000]})
        return httpx.Response(200, json={"status": "executed", "actionId": "act-1", "output": None})

    return route


def test_an_output_whose_json_would_not_fit_in_a_reports_body_goes_in_the_storable_form_and_one_that_fits_as_it_is():
    bodies: list[dict] = []
    route = report_route(bodies)
    # 170 strings of 100,000 characters: each within a string's limit, 17 MB of JSON together.
    huge = [f"{i}".ljust(100_000, "x") for i in range(170)]
    fits = [f"{i}".ljust(100_000, "x") for i in range(100)]
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(route))) as airlock:
        assert isinstance(airlock.report("act-1", GRANTED, output=huge), Executed)
        assert isinstance(airlock.report("act-1", GRANTED, output=fits), Executed)
    too_large, as_it_is = (body["output"] for body in bodies)
    assert (too_large["airlock"], too_large["problem"]) == ("output not storable as sent", "output: JSON of 17000511 bytes, more than a report carries (14680064)")
    assert too_large["json"].startswith('["0xxx') and too_large["json"].endswith(" of 17000511 characters]")
    assert as_it_is == fits


def test_an_error_that_would_not_fit_in_a_reports_body_is_cut_to_fit_and_one_that_fits_goes_as_it_is():
    bodies: list[dict] = []
    limit = 14 * 1024 * 1024
    # 17 million characters; the 14 MiB bound falls inside the emoji's 4 UTF-8 bytes, which go whole or not at all.
    huge = "x" * (limit - 2) + "😀" + "y" * (17_000_000 - (limit - 2) - 1)
    fits = "é" * (limit // 2)
    with Airlock("http://airlock.test", api_key="alk_x", http=httpx.Client(transport=httpx.MockTransport(report_route(bodies)))) as airlock:
        assert isinstance(airlock.report("act-1", GRANTED, error=huge), Failed)
        assert isinstance(airlock.report("act-1", GRANTED, error=fits), Failed)
    cut, as_it_is = (body["error"] for body in bodies)
    total = 17_000_001  # UTF-16 code units: the emoji is two
    assert cut == "x" * (limit - 2) + f" … [cut by the Airlock client: {total - (limit - 2)} of {total} characters]"
    assert as_it_is == fits


def test_a_lone_surrogate_in_an_output_or_error_is_sent_not_a_unicode_error(reports):
    """``surrogateescape`` decoding (file names, a subprocess's bytes) leaves lone surrogates, which UTF-8 cannot carry."""
    airlock, bodies = reports
    airlock.report("act-1", GRANTED, output={"name": "a\udcffb"})
    airlock.report("act-1", GRANTED, error="failed on a\udcffb")
    assert bodies[0]["output"] == {"name": "a\udcffb"}
    assert bodies[1]["error"] == "failed on a\udcffb"


def test_values_pydantic_writes_as_json_are_still_sent(airlock, sent):
    airlock.authorize("demo.other", {"on": datetime.date(2030, 1, 2), "amount": decimal.Decimal("1.50"), "pair": (1, 2.5), "none": None}, idempotency_key="k-1")
    assert b'"args":{"on":"2030-01-02","amount":"1.50","pair":[1,2.5],"none":null}' in sent[0].content.replace(b" ", b"")


async def test_async_refuses_them_alike_and_sends_a_report_alike():
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(lambda request: pytest.fail("sent")))) as airlock:
        with pytest.raises(InvalidRequestError, match=r"^args\.x: must be a finite number$"):
            await airlock.authorize("demo.other", {"x": math.nan}, idempotency_key="k-1")


async def test_async_sends_a_report_output_with_no_json_form_in_the_storable_form():
    bodies: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"status": "executed", "actionId": "act-1", "output": None})

    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(answer))) as airlock:
        assert isinstance(await airlock.report("act-1", GRANTED, output=math.inf), Executed)
    assert bodies[0]["output"] == stored("output: must be a finite number", "Infinity")


@pytest.fixture
def real_airlock(url: str):
    with Airlock(url, os.environ["AIRLOCK_API_KEY"], poll_wait_ms=5_000) as client:
        yield client


def test_against_the_server_a_report_whose_output_has_no_json_form_ends_executed_stored_as_sent(real_airlock):
    """Before: InvalidRequestError and nothing sent, so the action stayed authorized until it expired as not used."""
    looped: dict = {"rows": 2}
    looped["self"] = looped
    cases = [
        ("nan", {"took": math.nan, "rows": 2}, stored("output.took: must be a finite number", '{"took":NaN,"rows":2}')),
        ("cycle", looped, stored("output.self: must be JSON: it contains itself", '{"rows":2,"self":"[cycle]"}')),
        ("surrogate", {"name": "a\udcffb"}, stored("output.name: must be Unicode text: it holds a lone surrogate (half of a UTF-16 pair), which can be neither hashed nor stored", '{"name":"a\\udcffb"}')),
    ]
    for name, output, expected in cases:
        submitted = real_airlock.authorize("demo.echo", {"message": name}, idempotency_key=f"py-report-{name}-{uuid.uuid4().hex[:12]}")
        state = real_airlock.await_authorization(submitted.actionId, timeout=60)
        assert isinstance(state, Authorization), state
        outcome = real_airlock.report(submitted.actionId, state, output=output)
        assert isinstance(outcome, Executed) and outcome.output == expected, (name, outcome)
        assert real_airlock.wait(submitted.actionId, timeout=60) == outcome
    # A new request is still refused before sending: nothing has run yet.
    with pytest.raises(InvalidRequestError, match=r"^args\.took: must be a finite number$"):
        real_airlock.authorize("demo.echo", {"message": "x", "took": math.nan}, idempotency_key=f"py-report-args-{uuid.uuid4().hex[:12]}")
