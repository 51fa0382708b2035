"""Airlock's Python client: sync (``Airlock``) and async (``AsyncAirlock``) over the REST API with an agent key."""

from .client import ActionHandle, Airlock, AsyncActionHandle, AsyncAirlock, edited_args_text, refusal_text
from .errors import AirlockApiError, AirlockError, AuthorizationTimeoutError, IdempotencyConflictError, InvalidRequestError
from .models import (
    PLAN_TOOL,
    ActionLiveStatus,
    AgentSelf,
    Authorization,
    Cancelled,
    Denied,
    Executed,
    Expired,
    Failed,
    PendingAuthorization,
    PlanStep,
    RunClaimed,
    SubmittedAction,
)

__all__ = [
    "PLAN_TOOL",
    "ActionHandle",
    "ActionLiveStatus",
    "AgentSelf",
    "Airlock",
    "AirlockApiError",
    "AirlockError",
    "AsyncActionHandle",
    "AsyncAirlock",
    "Authorization",
    "AuthorizationTimeoutError",
    "Cancelled",
    "Denied",
    "Executed",
    "Expired",
    "Failed",
    "IdempotencyConflictError",
    "InvalidRequestError",
    "PendingAuthorization",
    "PlanStep",
    "RunClaimed",
    "SubmittedAction",
    "edited_args_text",
    "refusal_text",
]
