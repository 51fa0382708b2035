"""Typed models of Airlock's REST API.

Each model names the OpenAPI component it mirrors (``__openapi__``); the test
suite compares them with the document the server serves, so a change on either
side fails a test instead of surprising an agent.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, TypeAdapter
from pydantic_core import PydanticCustomError


class _Model(BaseModel):
    # Field names follow the API's camelCase; responses may grow fields without breaking old clients.
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    __openapi__: ClassVar[str] = ""


class _Body(BaseModel):
    # Request bodies: the server refuses unknown fields, so the client does too, before sending.
    model_config = ConfigDict(extra="forbid")
    __openapi__: ClassVar[str] = ""


def _signal_value(value: Any) -> str | bool | int | float:
    # One issue naming the signal (`signals.confidence: …`), not one per member of the union.
    if isinstance(value, (str, int, float)):
        return value
    raise PydanticCustomError("signal_value", "must be a string, number or boolean")


SignalValue = Annotated[str | bool | int | float, PlainValidator(_signal_value)]
"""What a policy reads as ``result.<name>``: a string, a number or a boolean."""


class SubmitActionBody(_Body):
    """POST /api/v1/actions: run a tool in the worker, behind the gate."""

    __openapi__ = "SubmitActionBody"
    tool: str
    args: dict[str, Any]
    idempotencyKey: str
    rationale: str | None = None
    requestedBy: str | None = None
    signals: dict[str, SignalValue] | None = None


class AuthorizationRequestBody(_Body):
    """POST /api/v1/authorizations: a gate-only action the agent runs itself."""

    __openapi__ = "AuthorizationRequestBody"
    tool: str
    args: dict[str, Any]
    idempotencyKey: str
    rationale: str | None = None
    requestedBy: str | None = None
    signals: dict[str, SignalValue] | None = None
    reportWithinMs: int | None = None


class SubmittedActionLinks(_Model):
    self: str
    outcome: str


class SubmittedAction(_Model):
    __openapi__ = "SubmittedAction"
    actionId: str
    created: bool
    argsHash: str
    links: SubmittedActionLinks


class Executed(_Model):
    __openapi__ = "ActionOutcome#executed"
    status: Literal["executed"]
    actionId: str
    output: Any = None


class Denied(_Model):
    __openapi__ = "ActionOutcome#denied"
    status: Literal["denied"]
    actionId: str
    reason: str
    feedback: str | None = None
    deniedBy: str | None = None


class Expired(_Model):
    __openapi__ = "ActionOutcome#expired"
    status: Literal["expired"]
    actionId: str
    reason: str


class Failed(_Model):
    __openapi__ = "ActionOutcome#failed"
    status: Literal["failed"]
    actionId: str
    error: str


class Cancelled(_Model):
    __openapi__ = "ActionOutcome#cancelled"
    status: Literal["cancelled"]
    actionId: str
    reason: str


ActionOutcome = Annotated[Union[Executed, Denied, Expired, Failed, Cancelled], Field(discriminator="status")]
"""What the agent gets back; a denial's ``feedback`` is written for the model."""
outcome_adapter: TypeAdapter[Executed | Denied | Expired | Failed | Cancelled] = TypeAdapter(ActionOutcome)


class PendingOutcome(_Model):
    __openapi__ = "PendingOutcome"
    status: Literal["pending"]
    actionId: str


OutcomeAnswer = Annotated[Union[Executed, Denied, Expired, Failed, Cancelled, PendingOutcome], Field(discriminator="status")]
"""GET /actions/:id/outcome: the outcome (200), or pending after the long poll (202)."""
outcome_answer_adapter: TypeAdapter[Executed | Denied | Expired | Failed | Cancelled | PendingOutcome] = TypeAdapter(OutcomeAnswer)


class ActionLiveStatus(_Model):
    """The workflow's live view; more fields (classification, approval, …) arrive as extras."""

    __openapi__ = "ActionLiveStatus"
    actionId: str
    agentId: str
    tool: str
    argsHash: str
    phase: str


class CancelResult(_Model):
    __openapi__ = "CancelResult"
    actionId: str
    cancelRequested: Literal[True]


class AuthorizationLinks(_Model):
    report: str


class Authorization(_Model):
    """Run the tool with exactly ``args`` (an approver may have edited them), then report."""

    __openapi__ = "Authorization"
    status: Literal["authorized"]
    actionId: str
    tool: str
    authorizationId: str
    args: dict[str, Any]
    argsHash: str
    expiresAt: str
    #: Set once a runner claimed the run (``claim_run``): another runner may be running it.
    claimedAt: str | None = None
    links: AuthorizationLinks


class PendingAuthorization(_Model):
    __openapi__ = "PendingAuthorization"
    status: Literal["pending"]
    actionId: str
    phase: str


AuthorizationState = Annotated[
    Union[Authorization, PendingAuthorization, Executed, Denied, Expired, Failed, Cancelled],
    Field(discriminator="status"),
]
authorization_adapter: TypeAdapter[
    Authorization | PendingAuthorization | Executed | Denied | Expired | Failed | Cancelled
] = TypeAdapter(AuthorizationState)


class ReportSucceeded(_Body):
    __openapi__ = "AgentReport#succeeded"
    authorizationId: str
    args: dict[str, Any]
    status: Literal["succeeded"] = "succeeded"
    output: Any = None


class ReportFailed(_Body):
    __openapi__ = "AgentReport#failed"
    authorizationId: str
    args: dict[str, Any]
    status: Literal["failed"] = "failed"
    error: str


class RunClaimBody(_Body):
    __openapi__ = "RunClaim"
    authorizationId: str
    runnerId: str


class RunClaimed(_Model):
    """The run is this runner's: run the tool, then report. ``runnerId`` claims it again after a network error."""

    __openapi__ = "RunClaimed"
    status: Literal["claimed"]
    actionId: str
    authorizationId: str
    runnerId: str
    claimedAt: str


class Issue(_Model):
    __openapi__ = "Issue"
    path: str
    message: str


class ErrorDetail(_Model):
    code: str
    message: str
    issues: list[Issue] | None = None


class ErrorBody(_Model):
    __openapi__ = "Error"
    error: ErrorDetail


class AgentSelf(_Model):
    __openapi__ = "AgentSelf"
    id: str
    team: str
    allowedTools: list[str]


class PlanStep(_Body):
    """One step of a plan: approvers see every step, and a failure rolls back the completed ones."""

    tool: str
    args: dict[str, Any]
    description: str | None = None


class PlanArgs(_Body):
    """A plan's arguments, checked before anything is sent: 1 to 20 steps, each named by its place (``steps.1.args``)."""

    steps: list[PlanStep] = Field(min_length=1, max_length=20)


PLAN_TOOL = "airlock.plan"

ALL_MODELS: tuple[type[BaseModel], ...] = (
    SubmitActionBody,
    AuthorizationRequestBody,
    SubmittedAction,
    Executed,
    Denied,
    Expired,
    Failed,
    Cancelled,
    PendingOutcome,
    ActionLiveStatus,
    CancelResult,
    Authorization,
    PendingAuthorization,
    ReportSucceeded,
    ReportFailed,
    RunClaimBody,
    RunClaimed,
    Issue,
    ErrorBody,
    AgentSelf,
)
