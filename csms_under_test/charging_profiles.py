"""Charging profiles the CSMS sends (OCPP 1.6 §3.13 Smart Charging, §5.5, §5.7, §5.11, §5.16).

The operator gives the profile's shape; the CSMS fills in what it knows:

- SetChargingProfile: a new ``chargingProfileId`` (above every one ever stored); for an
  Absolute profile ``validFrom`` = now, ``validTo`` = now + the schedule's duration (24 h
  without one) and ``chargingSchedule.startSchedule`` = now; for a TxProfile the
  ``transactionId`` of the active transaction on that connector.
- ClearChargingProfile: sent as given; an Accepted answer marks the matching stored
  profiles cleared.
- GetCompositeSchedule: ``duration`` and ``chargingRateUnit`` from the configuration.
- RemoteStartTransaction with a ``chargingProfile``: a new ``chargingProfileId``.

Explicit values are always kept. Each profile sent is a row of the store: ``sent`` until
the charge point answers, then ``accepted`` or ``rejected``; later ``cleared``.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from csms_under_test.faults import (
    CHARGING_PROFILE_UNIT_SWAPPED,
    CHARGING_PROFILE_WITHOUT_VALIDITY,
    CLEAR_PROFILE_BY_ID_WITH_CRITERIA,
    COMPOSITE_SCHEDULE_WITHOUT_UNIT,
    REMOTE_START_PROFILE_WITH_TRANSACTION_ID,
    TX_PROFILE_WRONG_TRANSACTION,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder, fill_from_store
from csms_under_test.store import Store
from csms_under_test.timestamps import ocpp_timestamp
from simulator.config import SmartCharging

ABSOLUTE = "Absolute"
TX_PROFILE = "TxProfile"
SET_CHARGING_PROFILE = "SetChargingProfile"
REMOTE_START_TRANSACTION = "RemoteStartTransaction"
# validTo of an Absolute profile whose schedule has no duration.
DEFAULT_VALIDITY = timedelta(hours=24)
SWAPPED_UNITS = {"A": "W", "W": "A"}


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# -- SetChargingProfile ----------------------------------------------------------------
def complete_set_charging_profile(
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    now: datetime,
) -> None:
    """Complete ``csChargingProfiles`` (replaced by a completed copy); explicit values stay.
    Raises IncompleteRequest for a TxProfile without transactionId and no active
    transaction on the connector."""
    profile = payload.get("csChargingProfiles")
    if not isinstance(profile, dict):
        return  # the schema check reports it
    profile = copy.deepcopy(profile)
    payload["csChargingProfiles"] = profile
    if "chargingProfileId" not in profile:
        profile["chargingProfileId"] = store.next_charging_profile_id()
    schedule = profile.get("chargingSchedule")
    if profile.get("chargingProfileKind") == ABSOLUTE:
        if CHARGING_PROFILE_WITHOUT_VALIDITY in faults:
            profile.pop("validFrom", None)
            profile.pop("validTo", None)
            if isinstance(schedule, dict):
                schedule.pop("startSchedule", None)
        else:
            duration = schedule.get("duration") if isinstance(schedule, dict) else None
            validity = timedelta(seconds=duration) if _is_int(duration) else DEFAULT_VALIDITY
            profile.setdefault("validFrom", ocpp_timestamp(now))
            profile.setdefault("validTo", ocpp_timestamp(now + validity))
            if isinstance(schedule, dict):
                schedule.setdefault("startSchedule", ocpp_timestamp(now))
    if profile.get("chargingProfilePurpose") == TX_PROFILE:
        connector_id = payload.get("connectorId")
        active = (
            store.active_transaction(charge_point_id, connector_id)
            if "transactionId" not in profile and _is_int(connector_id)
            else None
        )
        fill_from_store(
            profile,
            "transactionId",
            active.id if active else None,
            f"charge point {charge_point_id} has no active transaction on connector "
            f"{connector_id} for a TxProfile; give csChargingProfiles.transactionId",
        )
        transaction_id = profile["transactionId"]
        if TX_PROFILE_WRONG_TRANSACTION in faults and _is_int(transaction_id):
            profile["transactionId"] = transaction_id + 1
    if CHARGING_PROFILE_UNIT_SWAPPED in faults and isinstance(schedule, dict):
        unit = schedule.get("chargingRateUnit")
        if isinstance(unit, str) and unit in SWAPPED_UNITS:
            schedule["chargingRateUnit"] = SWAPPED_UNITS[unit]


def _record_profile(
    store: Store,
    charge_point_id: str,
    profile: dict[str, Any],
    connector_id: int | None,
    sent_with: str,
    now: datetime,
) -> AnswerRecorder:
    record = store.add_charging_profile(
        charge_point_id,
        charging_profile_id=profile["chargingProfileId"],
        connector_id=connector_id,
        purpose=profile["chargingProfilePurpose"],
        stack_level=profile["stackLevel"],
        transaction_id=profile.get("transactionId"),
        profile=profile,
        sent_with=sent_with,
        sent_at=ocpp_timestamp(now),
    )

    def answered(response: dict[str, Any] | None, at: datetime) -> None:
        status = response.get("status") if response is not None else None
        store.answer_charging_profile(record.id, status if isinstance(status, str) else None)

    return answered


def set_charging_profile_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store, now: datetime
) -> AnswerRecorder:
    """Store the profile as sent; the returned function records the answer."""
    return _record_profile(
        store,
        charge_point_id,
        request["csChargingProfiles"],
        request["connectorId"],
        SET_CHARGING_PROFILE,
        now,
    )


# -- ClearChargingProfile --------------------------------------------------------------
def complete_clear_charging_profile(
    payload: dict[str, Any], *, charge_point_id: str, store: Store, faults: Faults
) -> None:
    """Sent as given (``{}`` clears every profile); with the clear-profile-by-id-with-criteria
    fault a clear by id also names the stored profile's connectorId, purpose and stackLevel."""
    profile_id = payload.get("id")
    if CLEAR_PROFILE_BY_ID_WITH_CRITERIA not in faults or not _is_int(profile_id):
        return
    for record in store.charging_profiles_by_id(charge_point_id, profile_id):
        if record.connector_id is not None:
            payload.setdefault("connectorId", record.connector_id)
        payload.setdefault("chargingProfilePurpose", record.purpose)
        payload.setdefault("stackLevel", record.stack_level)
        return


def clear_charging_profile_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store
) -> AnswerRecorder:
    def answered(response: dict[str, Any] | None, at: datetime) -> None:
        if response is None or response.get("status") != "Accepted":
            return
        store.clear_charging_profiles(
            charge_point_id,
            charging_profile_id=request.get("id"),
            connector_id=request.get("connectorId"),
            purpose=request.get("chargingProfilePurpose"),
            stack_level=request.get("stackLevel"),
        )

    return answered


# -- GetCompositeSchedule --------------------------------------------------------------
def complete_get_composite_schedule(
    payload: dict[str, Any], *, faults: Faults, smart_charging: SmartCharging
) -> None:
    """Fill in duration and chargingRateUnit from the configuration; explicit values stay."""
    payload.setdefault("duration", smart_charging.duration)
    payload.setdefault("chargingRateUnit", smart_charging.rate_unit)
    if COMPOSITE_SCHEDULE_WITHOUT_UNIT in faults:
        del payload["chargingRateUnit"]


# -- RemoteStartTransaction ------------------------------------------------------------
def complete_remote_start(payload: dict[str, Any], *, store: Store, faults: Faults) -> None:
    """Give an embedded ``chargingProfile`` (replaced by a completed copy) a new
    chargingProfileId when it has none; the rest is sent as given."""
    profile = payload.get("chargingProfile")
    if not isinstance(profile, dict):
        return
    profile = copy.deepcopy(profile)
    payload["chargingProfile"] = profile
    if "chargingProfileId" not in profile:
        profile["chargingProfileId"] = store.next_charging_profile_id()
    if REMOTE_START_PROFILE_WITH_TRANSACTION_ID in faults:
        transactions = store.transactions()
        profile["transactionId"] = transactions[-1].id if transactions else 1


def remote_start_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store, now: datetime
) -> AnswerRecorder | None:
    """Store the embedded profile, if any, as sent; the returned function records the
    answer (RemoteStartTransaction Accepted: accepted)."""
    profile = request.get("chargingProfile")
    if profile is None:
        return None
    return _record_profile(
        store, charge_point_id, profile, request.get("connectorId"), REMOTE_START_TRANSACTION, now
    )
