"""The operator's view of the CSMS, on the event loop: queries and CSMS→CP requests.

Every method returns an :class:`ApiReply` (HTTP status and JSON body); the HTTP layer in
:mod:`csms_under_test.operator_api` only parses and routes HTTP requests.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from typing import Any

from csms_under_test.connections import (
    CallTimeout,
    ChargePointConnection,
    ChargePointDisconnected,
    ConnectionRegistry,
)
from csms_under_test.delivery import connection_for, deliver, schema_refusal
from csms_under_test.faults import REQUEST_NOT_SENT, Faults
from csms_under_test.operator_requests import (
    FileLocations,
    complete_request,
    request_sent,
    version_first,
)
from csms_under_test.operator_ui import as_offered
from csms_under_test.outgoing import IncompleteRequest
from csms_under_test.replies import ApiReply, error_reply, page_reply
from csms_under_test.settings import CsmsSettings
from csms_under_test.store import (
    ALL,
    DIAGNOSTICS,
    FIRMWARE,
    ChargingProfileRecord,
    LocalListRecord,
    Page,
    ReservationRecord,
    Store,
    TransactionRecord,
)
from csms_under_test.timestamps import utc_now
from csms_under_test.variations import OWN_REQUEST_FIRST, OWN_REQUESTS, Variations
from ocppj import IncomingCallResult

logger = logging.getLogger(__name__)

__all__ = ["ApiReply", "OperatorService", "error_reply"]


def transaction_json(record: TransactionRecord) -> dict[str, Any]:
    return {
        "transactionId": record.id,
        "chargePointId": record.charge_point_id,
        "connectorId": record.connector_id,
        "idTag": record.id_tag,
        "meterStart": record.meter_start,
        "startTimestamp": record.start_timestamp,
        "meterStop": record.meter_stop,
        "stopTimestamp": record.stop_timestamp,
        "stopReason": record.stop_reason,
        "reservationId": record.reservation_id,
    }


def reservation_json(record: ReservationRecord, now: datetime) -> dict[str, Any]:
    return {
        "reservationId": record.reservation_id,
        "chargePointId": record.charge_point_id,
        "connectorId": record.connector_id,
        "idTag": record.id_tag,
        "parentIdTag": record.parent_id_tag,
        "expiryDate": record.expiry_date,
        "status": record.status_at(now),
        "reservationStatus": record.reservation_status,
        "transactionId": record.transaction_id,
        "requestedAt": record.created_at,
    }


def local_list_json(record: LocalListRecord) -> dict[str, Any]:
    return {
        "chargePointId": record.charge_point_id,
        "listVersion": record.list_version,
        "updateType": record.update_type,
        "acceptedAt": record.accepted_at,
        "idTags": list(record.id_tags),
        "lastSentVersion": record.last_sent_version,
        "lastSentStatus": record.last_sent_status,
        "reportedVersion": record.reported_version,
        "reportedAt": record.reported_at,
    }


def charging_profile_json(record: ChargingProfileRecord) -> dict[str, Any]:
    return {
        "chargingProfileId": record.charging_profile_id,
        "chargePointId": record.charge_point_id,
        "connectorId": record.connector_id,
        "chargingProfilePurpose": record.purpose,
        "stackLevel": record.stack_level,
        "transactionId": record.transaction_id,
        "status": record.status,
        "answerStatus": record.answer_status,
        "sentWith": record.sent_with,
        "sentAt": record.sent_at,
        "chargingProfile": record.profile,
    }


class OperatorService:
    def __init__(
        self,
        *,
        store: Store,
        registry: ConnectionRegistry,
        faults: Faults,
        settings: CsmsSettings,
        file_locations: Callable[[], FileLocations],
        variations: Variations | None = None,
    ) -> None:
        """``file_locations`` gives the URLs of the CSMS's files when a request is completed
        (the servers' ports are known only once they have started); ``settings`` the call
        timeout and the defaults of what a request leaves out."""
        self._store = store
        self._registry = registry
        self._faults = faults
        self._settings = settings
        self.call_timeout = settings.call_timeout
        self._file_locations = file_locations
        self._variations = variations or Variations()

    async def health(self) -> ApiReply:
        return ApiReply(HTTPStatus.OK, {"status": "ok"})

    async def charge_points(self, page: Page = ALL) -> ApiReply:
        connected = self._registry.connected_ids()
        rows = [
            {
                "id": record.id,
                "connected": record.id in connected,
                "vendor": record.vendor,
                "model": record.model,
                "serialNumber": record.serial_number,
                "firmwareVersion": record.firmware_version,
                "lastBoot": record.last_boot,
                "lastHeartbeat": record.last_heartbeat,
                "firmwareStatus": self._firmware_status(record.id, FIRMWARE),
                "diagnosticsStatus": self._firmware_status(record.id, DIAGNOSTICS),
            }
            for record in self._store.charge_points(page)
        ]
        total = self._store.count("charge_points")
        return page_reply("chargePoints", rows, offset=page.offset, total=total)

    def _firmware_status(self, charge_point_id: str, kind: str) -> str | None:
        record = self._store.firmware_status(charge_point_id, kind)
        return record.status if record is not None else None

    async def transactions(self, charge_point_id: str | None, page: Page = ALL) -> ApiReply:
        records = self._store.transactions(charge_point_id, page)
        return page_reply(
            "transactions",
            [transaction_json(r) for r in records],
            offset=page.offset,
            total=self._store.count("transactions", charge_point_id),
        )

    async def reservations(self, charge_point_id: str | None, page: Page = ALL) -> ApiReply:
        now = utc_now()
        records = self._store.reservations(charge_point_id, page)
        return page_reply(
            "reservations",
            [reservation_json(r, now) for r in records],
            offset=page.offset,
            total=self._store.count("reservations", charge_point_id),
        )

    async def local_lists(self, charge_point_id: str | None, page: Page = ALL) -> ApiReply:
        records = self._store.local_lists(charge_point_id, page)
        return page_reply(
            "localLists",
            [local_list_json(r) for r in records],
            offset=page.offset,
            total=self._store.count("local_lists", charge_point_id),
        )

    async def charging_profiles(self, charge_point_id: str | None, page: Page = ALL) -> ApiReply:
        records = self._store.charging_profiles(charge_point_id, page)
        return page_reply(
            "chargingProfiles",
            [charging_profile_json(r) for r in records],
            offset=page.offset,
            total=self._store.count("charging_profiles", charge_point_id),
        )

    async def _local_list_version(
        self, connection: ChargePointConnection, charge_point_id: str, timeout: float | None
    ) -> float:
        """LOCAL_LIST_VERSION_FIRST: GetLocalListVersion, its answer recorded as any other
        (``reportedVersion``); returns what is left of the wait for the request after it."""
        wait = self.call_timeout if timeout is None else timeout
        began = time.monotonic()
        record = request_sent(
            "GetLocalListVersion",
            {},
            charge_point_id=charge_point_id,
            store=self._store,
            now=utc_now(),
        )
        with contextlib.suppress(CallTimeout, ChargePointDisconnected):
            outcome = await connection.call("GetLocalListVersion", {}, wait)
            if record is not None and isinstance(outcome, IncomingCallResult):
                record(outcome.result.payload, utc_now())
        return max(wait - (time.monotonic() - began), 0.001)

    async def send_request(
        self,
        charge_point_id: str,
        action: str,
        payload: dict[str, Any],
        timeout: float | None = None,
    ) -> ApiReply:
        """Complete, validate and send a CSMS-initiated request; wait for the answer."""
        target = connection_for(action, charge_point_id, registry=self._registry, store=self._store)
        if isinstance(target, ApiReply):
            return target
        connection = target
        payload = as_offered(
            action,
            payload,
            charge_point_id=charge_point_id,
            store=self._store,
            variations=self._variations,
        )
        if version_first(action, payload, self._variations):
            # The variation: the charge point's list version first, within the same wait.
            timeout = await self._local_list_version(connection, charge_point_id, timeout)
        try:
            request = complete_request(
                action,
                payload,
                charge_point_id=charge_point_id,
                store=self._store,
                faults=self._faults,
                settings=self._settings,
                now=utc_now(),
                files=self._file_locations(),
                variations=self._variations,
            )
        except IncompleteRequest as error:
            return error_reply(HTTPStatus.BAD_REQUEST, str(error))
        refused = schema_refusal(action, request)
        if refused is not None:
            return refused
        if REQUEST_NOT_SENT in self._faults:
            # The fault: the operator is told the request went out; nothing was sent.
            return ApiReply(HTTPStatus.OK, {"action": action, "request": request, "response": {}})
        wait = self.call_timeout if timeout is None else timeout
        own = OWN_REQUESTS.get(action) if OWN_REQUEST_FIRST in self._variations else None
        if own is not None:
            # The variation: the CSMS's own request of this action goes first, within the
            # same overall wait.
            began = time.monotonic()
            with contextlib.suppress(CallTimeout, ChargePointDisconnected):
                await connection.call(action, own(), wait)
            wait = max(wait - (time.monotonic() - began), 0.001)
        return await deliver(
            connection, action, request, store=self._store, wait=wait, faults=self._faults
        )
