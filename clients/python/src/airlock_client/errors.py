"""Errors of the Airlock client: bad input names the field, as the server does."""

from __future__ import annotations


class AirlockError(Exception):
    """Base of every error this client raises."""


class AirlockApiError(AirlockError):
    """The API answered with an error. ``code`` is the API's error code (``forbidden``, ``not_found``, …),
    or ``unreachable`` (``status`` 0) when no answer came (refused, unknown host, reset, timed out)."""

    def __init__(self, status: int, code: str, message: str, issues: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.issues = issues or []


class InvalidRequestError(AirlockApiError):
    """A 400: the request is malformed. ``issues`` holds ``(field path, message)`` pairs, e.g. ``("args.amount", …)``."""

    def __init__(self, message: str, issues: list[tuple[str, str]] | None = None, status: int = 400) -> None:
        super().__init__(status, "invalid_request", message, issues)

    @property
    def fields(self) -> list[str]:
        return [path for path, _ in self.issues]


class IdempotencyConflictError(AirlockApiError):
    """A 409: the idempotency key was used before with different arguments, another tool or another requested_by."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "idempotency_conflict", message)


UNKNOWN_PHASE = "unknown"
"""``AuthorizationTimeoutError.phase`` when every read failed: no answer named one."""


class AuthorizationTimeoutError(AirlockError, TimeoutError):
    """``check_authorization`` ran out of ``timeout`` before the action reached a person or a decision:
    it is still in ``phase`` (a worker down or overloaded keeps it ``classifying``), or ``phase`` is ``unknown``
    when no answer said (the server answered 503 each time: no worker took the status query). ``__cause__`` is
    the last transient failure (503, unreachable, …) of the wait, if any. The action itself goes on; asking again
    with the same idempotency key finds it. The TypeScript SDK's is the same."""

    def __init__(self, action_id: str, phase: str, timeout: float, cause: BaseException | None = None) -> None:
        ms = round(timeout * 1000)
        if phase == UNKNOWN_PHASE:
            message = f"action {action_id}: no answer said where it stands after {ms} ms ({str(cause) if cause is not None else 'no answer'}), before any person was asked: is an Airlock worker running?"
        else:
            message = f"action {action_id} is still {phase} after {ms} ms, before any person was asked: is an Airlock worker running?"
        super().__init__(message)
        self.action_id = action_id
        self.phase = phase
        self.timeout = timeout
        self.__cause__ = cause


TRANSIENT_STATUSES = frozenset({502, 503, 504})


def is_transient(error: BaseException) -> bool:
    """No answer (``unreachable``) and 502/503/504: waits ask again instead of failing the agent."""
    return isinstance(error, AirlockApiError) and (error.code == "unreachable" or error.status in TRANSIENT_STATUSES)
