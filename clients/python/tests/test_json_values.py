"""What the client sends is the JSON the caller gave: NaN, Infinity and objects with no JSON form are refused
before anything is sent, naming the field (``args.x: must be a finite number``, as the server and the TypeScript
SDK say it), never sent as ``null`` for a person to approve arguments the agent never asked for."""

from __future__ import annotations

import datetime
import decimal
import math

import httpx
import pytest

from airlock_client import Airlock, AirlockError, AsyncAirlock, Authorization, InvalidRequestError

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


def test_a_report_output_that_is_not_json_is_the_clients_error_naming_the_field(airlock, sent):
    with pytest.raises(InvalidRequestError) as raised:
        airlock.report("act-1", GRANTED, output={"receipt": Receipt(), "took": math.nan})
    assert raised.value.issues == [("output.receipt", "must be JSON (an object, array, string, number, boolean or null), got Receipt"), ("output.took", "must be a finite number")]
    with pytest.raises(InvalidRequestError, match=r"^output: must be JSON \(.*\), got Receipt$"):
        airlock.report("act-1", GRANTED, output=Receipt())
    with pytest.raises(InvalidRequestError, match=r"^args\.r: must be JSON \(.*\), got Receipt$"):
        airlock.authorize("demo.other", {"r": Receipt()}, idempotency_key="k-1")
    assert sent == []


def test_values_pydantic_writes_as_json_are_still_sent(airlock, sent):
    airlock.authorize("demo.other", {"on": datetime.date(2030, 1, 2), "amount": decimal.Decimal("1.50"), "pair": (1, 2.5), "none": None}, idempotency_key="k-1")
    assert b'"args":{"on":"2030-01-02","amount":"1.50","pair":[1,2.5],"none":null}' in sent[0].content.replace(b" ", b"")


async def test_async_refuses_them_alike():
    async with AsyncAirlock("http://airlock.test", api_key="alk_x", http=httpx.AsyncClient(transport=httpx.MockTransport(lambda request: pytest.fail("sent")))) as airlock:
        with pytest.raises(InvalidRequestError, match=r"^args\.x: must be a finite number$"):
            await airlock.authorize("demo.other", {"x": math.nan}, idempotency_key="k-1")
        with pytest.raises(InvalidRequestError, match=r"^output: must be a finite number$"):
            await airlock.report("act-1", GRANTED, output=math.inf)
