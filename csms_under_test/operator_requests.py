"""What the CSMS adds to an operator's request before sending it to a charge point.

The operator may leave out what the CSMS knows itself; the CSMS fills it in from its store,
and for UpdateFirmware and GetDiagnostics from its own file area (:class:`FileLocations`).
Some faults live here too: they change what the CSMS sends for what the operator asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from csms_under_test import (
    certificates,
    charging_profiles,
    local_list,
    reservations,
    security_requests,
)
from csms_under_test.faults import (
    CHANGE_AVAILABILITY_OPERATIVE,
    CHANGE_CONFIGURATION_WRONG_VALUE,
    FIRMWARE_LOCATION_REWRITTEN,
    GET_CONFIGURATION_ALL_KEYS_LISTED,
    GET_CONFIGURATION_WRONG_KEY,
    REMOTE_START_WRONG_CONNECTOR,
    REMOTE_START_WRONG_IDTAG,
    REMOTE_STOP_WRONG_TRANSACTION,
    RESET_TYPE_SWAPPED,
    TRIGGER_WRONG_CONNECTOR,
    TRIGGER_WRONG_MESSAGE,
    UNLOCK_WRONG_CONNECTOR,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder, fill_from_store
from csms_under_test.password_change import authorization_key_sent, complete_authorization_key
from csms_under_test.security_profile_change import (
    complete_security_profile,
    security_profile_sent,
)
from csms_under_test.settings import CsmsSettings
from csms_under_test.store import Store
from csms_under_test.timestamps import ocpp_timestamp
from csms_under_test.variations import (
    LOCAL_LIST_VERSION_FIRST,
    RESERVATION_EXPIRY_MARGIN,
    RESERVATION_EXPIRY_MARGIN_S,
    Variations,
)

# How far off the transactionId is with the remote-stop-wrong-transaction fault.
WRONG_TRANSACTION_OFFSET = 1000
# The factor the change-configuration-wrong-value fault applies (minutes taken for seconds).
WRONG_VALUE_FACTOR = 60

# The Core profile configuration keys (OCPP 1.6 §9.1) the CSMS knows; with the
# get-configuration-all-keys-listed fault a request for "all keys" names them instead.
CORE_CONFIGURATION_KEYS: tuple[str, ...] = (
    "AllowOfflineTxForUnknownId",
    "AuthorizationCacheEnabled",
    "AuthorizeRemoteTxRequests",
    "BlinkRepeat",
    "ClockAlignedDataInterval",
    "ConnectionTimeOut",
    "ConnectorPhaseRotation",
    "ConnectorPhaseRotationMaxLength",
    "GetConfigurationMaxKeys",
    "HeartbeatInterval",
    "LightIntensity",
    "LocalAuthorizeOffline",
    "LocalPreAuthorize",
    "MaxEnergyOnInvalidId",
    "MeterValuesAlignedData",
    "MeterValuesAlignedDataMaxLength",
    "MeterValuesSampledData",
    "MeterValuesSampledDataMaxLength",
    "MeterValueSampleInterval",
    "MinimumStatusDuration",
    "NumberOfConnectors",
    "ResetRetries",
    "StopTransactionOnEVSideDisconnect",
    "StopTransactionOnInvalidId",
    "StopTxnAlignedData",
    "StopTxnAlignedDataMaxLength",
    "StopTxnSampledData",
    "StopTxnSampledDataMaxLength",
    "SupportedFeatureProfiles",
    "SupportedFeatureProfilesMaxLength",
    "TransactionMessageAttempts",
    "TransactionMessageRetryInterval",
    "UnlockConnectorOnEVSideDisconnect",
    "WebSocketPingInterval",
)


@dataclass(frozen=True)
class FileLocations:
    """Where the CSMS serves its files (see :mod:`csms_under_test.files`): ``http`` is
    ``http://HOST:API_PORT/files``, ``ftp`` is ``ftp://csms:csms@HOST:FTP_PORT``; both
    without a trailing slash, followed by ``/firmware/<name>`` or ``/diagnostics/``."""

    http: str
    ftp: str
    demo_firmware: str  # the name of the image in /firmware the CSMS offers by default


def complete_request(
    action: str,
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    settings: CsmsSettings,
    now: datetime,
    files: FileLocations,
    variations: Variations | None = None,
) -> dict[str, Any]:
    """The payload to send: ``payload`` plus what the CSMS fills in (never modified in place).

    ``settings`` gives the CSMS's defaults for what a request leaves out (the reservation
    expiry, the composite schedule's duration and unit); ``now``
    is the moment of sending; ``files`` the URLs of the CSMS's firmware and diagnostics;
    ``variations`` the legal variations that change how charging profiles (and the
    reservation expiry) are completed.
    """
    completed = dict(payload)
    if action == "SendLocalList":
        local_list.complete_send_local_list(
            completed,
            charge_point_id=charge_point_id,
            store=store,
            faults=faults,
            now=now,
            version_from_reported=version_first(action, payload, variations),
        )
    elif action == "ReserveNow":
        reservations.complete_reserve_now(
            completed,
            store=store,
            faults=faults,
            expiry_offset=settings.reservation_expiry,
            now=now,
            expiry_margin=(
                RESERVATION_EXPIRY_MARGIN_S
                if variations and RESERVATION_EXPIRY_MARGIN in variations
                else 0.0
            ),
        )
    elif action == "CancelReservation":
        reservations.complete_cancel_reservation(
            completed, charge_point_id=charge_point_id, store=store, faults=faults, now=now
        )
    elif action == "ChangeAvailability" and CHANGE_AVAILABILITY_OPERATIVE in faults:
        # OCPP 1.6 §5.2: the type is the operator's choice; this fault ignores it.
        completed["type"] = "Operative"
    elif action == "TriggerMessage":
        # OCPP 1.6 §5.17: connectorId is optional and sent as given.
        connector_id = completed.get("connectorId")
        if TRIGGER_WRONG_CONNECTOR in faults and _is_int(connector_id):
            completed["connectorId"] = connector_id + 1
        if TRIGGER_WRONG_MESSAGE in faults and completed.get("requestedMessage") == "MeterValues":
            completed["requestedMessage"] = "StatusNotification"
    elif action == "RemoteStopTransaction":
        _complete_remote_stop(completed, charge_point_id, store, faults)
    elif action == "UnlockConnector":
        _complete_unlock(completed, faults)
    elif action == "GetConfiguration":
        _complete_get_configuration(completed, faults)
    elif action == "ChangeConfiguration":
        _complete_change_configuration(completed, faults)
    elif action == "SetChargingProfile":
        charging_profiles.complete_set_charging_profile(
            completed,
            charge_point_id=charge_point_id,
            store=store,
            faults=faults,
            now=now,
            variations=variations,
        )
    elif action == "ClearChargingProfile":
        charging_profiles.complete_clear_charging_profile(
            completed, charge_point_id=charge_point_id, store=store, faults=faults
        )
    elif action == "GetCompositeSchedule":
        charging_profiles.complete_get_composite_schedule(
            completed,
            faults=faults,
            duration=settings.composite_schedule_duration,
            rate_unit=settings.composite_schedule_unit,
        )
    elif action == "RemoteStartTransaction":
        charging_profiles.complete_remote_start(
            completed,
            charge_point_id=charge_point_id,
            store=store,
            faults=faults,
            now=now,
            variations=variations,
        )
        _remote_start_faults(completed, store, faults)
    elif action == "Reset" and RESET_TYPE_SWAPPED in faults:
        # OCPP 1.6 §5.14: the type is the operator's choice; this fault swaps it.
        swapped = {"Hard": "Soft", "Soft": "Hard"}
        completed["type"] = swapped.get(str(completed.get("type")), completed.get("type"))
    elif action == "UpdateFirmware":
        _complete_update_firmware(completed, files, faults, now)
    elif action == "InstallCertificate":
        certificates.complete_install_certificate(completed, faults, variations)
    elif action == "GetInstalledCertificateIds":
        certificates.complete_get_installed_ids(completed, faults)
    elif action == "DeleteCertificate":
        certificates.complete_delete_certificate(
            completed,
            charge_point_id=charge_point_id,
            store=store,
            faults=faults,
            variations=variations,
        )
    elif action == "GetDiagnostics":
        # OCPP 1.6 §5.9: location is where to upload; retries, retryInterval, startTime and
        # stopTime are optional and sent as given.
        completed.setdefault("location", f"{files.http}/diagnostics/")
    elif action == "GetLog":
        security_requests.complete_get_log(completed, files, faults)
    elif action == "SignedUpdateFirmware":
        security_requests.complete_signed_update_firmware(completed, files, faults, now, variations)
    elif action == "ExtendedTriggerMessage":
        security_requests.complete_extended_trigger(completed, faults)
    return completed


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def version_first(action: str, payload: dict[str, Any], variations: Variations | None) -> bool:
    """LOCAL_LIST_VERSION_FIRST: this request is a Differential SendLocalList, which the
    CSMS precedes with a GetLocalListVersion (OCPP 1.6 §5.10) and numbers from its answer."""
    return (
        variations is not None
        and LOCAL_LIST_VERSION_FIRST in variations
        and action == "SendLocalList"
        and payload.get("updateType") == local_list.DIFFERENTIAL
    )


def _complete_update_firmware(
    payload: dict[str, Any], files: FileLocations, faults: Faults, now: datetime
) -> None:
    # OCPP 1.6 §5.19: location and retrieveDate are required; retries and retryInterval are
    # optional and sent as given. Default: the CSMS's demo image over HTTP, fetched now.
    payload.setdefault("location", f"{files.http}/firmware/{files.demo_firmware}")
    payload.setdefault("retrieveDate", ocpp_timestamp(now))
    location = payload["location"]
    if FIRMWARE_LOCATION_REWRITTEN in faults and isinstance(location, str):
        try:
            path = urlsplit(location).path
        except ValueError:  # not a URL (e.g. a broken IPv6 host): split the text itself
            path = location
        name = path.rsplit("/", 1)[-1]
        payload["location"] = f"{files.ftp}/firmware/{name}"


def _remote_start_faults(payload: dict[str, Any], store: Store, faults: Faults) -> None:
    # OCPP 1.6 §5.11: idTag and connectorId are sent as the operator gave them.
    if REMOTE_START_WRONG_IDTAG in faults and isinstance(payload.get("idTag"), str):
        record = store.id_tag(payload["idTag"])
        if record is not None and record.parent_id_tag:
            payload["idTag"] = record.parent_id_tag
    connector_id = payload.get("connectorId")
    if REMOTE_START_WRONG_CONNECTOR in faults and _is_int(connector_id):
        payload["connectorId"] = connector_id + 1


def _complete_remote_stop(
    payload: dict[str, Any], charge_point_id: str, store: Store, faults: Faults
) -> None:
    # OCPP 1.6 §5.12: RemoteStopTransaction.req names the transaction to stop.
    active = None if "transactionId" in payload else store.active_transaction(charge_point_id)
    fill_from_store(
        payload,
        "transactionId",
        active.id if active else None,
        f"charge point {charge_point_id} has no active transaction to stop; give transactionId",
    )
    transaction_id = payload["transactionId"]
    if REMOTE_STOP_WRONG_TRANSACTION in faults and _is_int(transaction_id):
        payload["transactionId"] = transaction_id + WRONG_TRANSACTION_OFFSET


def _complete_unlock(payload: dict[str, Any], faults: Faults) -> None:
    # OCPP 1.6 §5.18: UnlockConnector.req names the connector to unlock.
    connector_id = payload.get("connectorId")
    if UNLOCK_WRONG_CONNECTOR in faults and _is_int(connector_id):
        payload["connectorId"] = connector_id + 1


def _complete_get_configuration(payload: dict[str, Any], faults: Faults) -> None:
    # OCPP 1.6 §5.8: no key (or an empty list) asks for every key the charge point has.
    keys = payload.get("key")
    if not keys:
        if GET_CONFIGURATION_ALL_KEYS_LISTED in faults:
            payload["key"] = list(CORE_CONFIGURATION_KEYS)
        return
    if GET_CONFIGURATION_WRONG_KEY in faults and isinstance(keys, list):
        payload["key"] = [
            key[:1].lower() + key[1:] if isinstance(key, str) else key for key in keys
        ]


def _complete_change_configuration(payload: dict[str, Any], faults: Faults) -> None:
    # OCPP 1.6 §5.3: the value is sent as the operator gave it; a new password is made
    # by the CSMS (AuthorizationKey without a value, whitepaper A01).
    complete_authorization_key(payload, faults)
    complete_security_profile(payload, faults)
    key, value = payload.get("key"), payload.get("value")
    if (
        CHANGE_CONFIGURATION_WRONG_VALUE in faults
        and isinstance(key, str)
        and key.endswith("Interval")
        and isinstance(value, str)
    ):
        try:
            number = int(value)
        except ValueError:
            return
        payload["value"] = str(number * WRONG_VALUE_FACTOR)


def request_sent(
    action: str,
    request: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    now: datetime,
    faults: Faults | None = None,
) -> AnswerRecorder | None:
    """Record in the store that ``request`` (schema-valid) is being sent; the function
    returned, if any, records the charge point's answer. Without an answer (timeout,
    disconnect) the request stays recorded as sent (a reservation stays requested, a charging
    profile sent)."""
    if action == "ReserveNow":
        return reservations.reserve_now_sent(
            request, charge_point_id=charge_point_id, store=store, now=now
        )
    if action == "CancelReservation":
        return reservations.cancel_reservation_sent(
            request, charge_point_id=charge_point_id, store=store
        )
    if action == "SendLocalList":
        return local_list.send_local_list_sent(
            request, charge_point_id=charge_point_id, store=store
        )
    if action == "GetLocalListVersion":
        return local_list.get_local_list_version_sent(charge_point_id=charge_point_id, store=store)
    if action == "SetChargingProfile":
        return charging_profiles.set_charging_profile_sent(
            request, charge_point_id=charge_point_id, store=store, now=now
        )
    if action == "ClearChargingProfile":
        return charging_profiles.clear_charging_profile_sent(
            request, charge_point_id=charge_point_id, store=store
        )
    if action == "RemoteStartTransaction":
        return charging_profiles.remote_start_sent(
            request, charge_point_id=charge_point_id, store=store, now=now
        )
    if action == "ChangeConfiguration":
        return authorization_key_sent(
            request, charge_point_id=charge_point_id, store=store, faults=faults or Faults()
        ) or security_profile_sent(
            request, charge_point_id=charge_point_id, store=store, faults=faults or Faults()
        )
    if action == "GetInstalledCertificateIds":
        return certificates.installed_ids_sent(
            request, charge_point_id=charge_point_id, store=store
        )
    return None
