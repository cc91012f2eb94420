"""One CSMS-initiated request to one charge point, as both operator routes make it
(``POST .../requests/{Action}``, completed by the CSMS, and ``POST .../ocpp/{Action}``,
sent as given): the checks before sending, the sending, its record in the store and the
operator's answer (docs/operator-api.md)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from csms_under_test.connections import (
    CallTimeout,
    ChargePointConnection,
    ChargePointDisconnected,
    ConnectionRegistry,
)
from csms_under_test.faults import Faults
from csms_under_test.operator_requests import request_sent
from csms_under_test.replies import ApiReply, error_reply
from csms_under_test.store import Store
from csms_under_test.timestamps import utc_now
from ocppj import IncomingCallResult, known_actions, validate_payload
from ocppj.actions import CHARGE_POINT_INITIATED, CSMS_INITIATED

logger = logging.getLogger(__name__)


def connection_for(
    action: str, charge_point_id: str, *, registry: ConnectionRegistry, store: Store
) -> ChargePointConnection | ApiReply:
    """The connection to send ``action`` on, or the refusal: 400 for an action the CSMS
    does not send, 404 for a charge point that is unknown or not connected."""
    if action not in CSMS_INITIATED:
        if action in CHARGE_POINT_INITIATED or action in known_actions():
            return error_reply(
                HTTPStatus.BAD_REQUEST, f"{action} is sent by a charge point, not by the CSMS"
            )
        return error_reply(HTTPStatus.BAD_REQUEST, f"unknown OCPP 1.6 action {action!r}")
    connection = registry.get(charge_point_id)
    if connection is None:
        known = store.charge_point(charge_point_id) is not None
        what = "is not connected" if known else "is unknown"
        return error_reply(HTTPStatus.NOT_FOUND, f"charge point {charge_point_id!r} {what}")
    return connection


def schema_refusal(action: str, request: dict[str, Any]) -> ApiReply | None:
    """400 with the violations when ``request`` breaks the OCA OCPP 1.6 schema, else None."""
    violations = validate_payload(action, request, response=False)
    if not violations:
        return None
    return error_reply(
        HTTPStatus.BAD_REQUEST,
        f"the {action} request breaks the OCPP 1.6 schema",
        request=request,
        violations=[violation.to_dict() for violation in violations],
    )


async def deliver(
    connection: ChargePointConnection,
    action: str,
    request: dict[str, Any],
    *,
    store: Store,
    wait: float,
    faults: Faults | None = None,
) -> ApiReply:
    """Record ``request`` (schema-valid) as sent, send it, wait up to ``wait`` s for the
    answer, record the answer and tell the operator: 200 with the CALLRESULT or CALLERROR,
    504 without an answer in time, 502 when the charge point disconnected first."""
    charge_point_id = connection.charge_point_id
    try:
        record_answer = request_sent(
            action,
            request,
            charge_point_id=charge_point_id,
            store=store,
            now=utc_now(),
            faults=faults,
        )
    except Exception:  # e.g. an id too large for SQLite: send it anyway, unrecorded
        logger.exception("%s: recording %s failed", charge_point_id, action)
        record_answer = None
    try:
        outcome = await connection.call(action, request, wait)
    except CallTimeout as error:
        return error_reply(HTTPStatus.GATEWAY_TIMEOUT, str(error), action=action, request=request)
    except ChargePointDisconnected as error:
        return error_reply(HTTPStatus.BAD_GATEWAY, str(error), action=action, request=request)
    if record_answer is not None:
        answer = outcome.result.payload if isinstance(outcome, IncomingCallResult) else None
        try:
            record_answer(answer, utc_now())
        except Exception:  # the operator still gets the charge point's answer
            logger.exception("%s: recording the answer to %s failed", charge_point_id, action)
    body: dict[str, Any] = {"action": action, "request": request}
    if isinstance(outcome, IncomingCallResult):
        body["response"] = outcome.result.payload
        if outcome.violations:
            body["responseViolations"] = [v.to_dict() for v in outcome.violations]
    else:
        body["error"] = {
            "errorCode": outcome.error.error_code,
            "errorDescription": outcome.error.error_description,
            "errorDetails": outcome.error.error_details,
        }
    return ApiReply(HTTPStatus.OK, body)
