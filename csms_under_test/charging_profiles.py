"""Charging profiles the CSMS sends (OCPP 1.6 §3.13 Smart Charging, §5.5, §5.7, §5.11, §5.16).

The operator gives the profile's shape; the CSMS fills in what it knows:

- SetChargingProfile: a new ``chargingProfileId`` (above every one ever stored); kind
  Absolute when the operator leaves ``chargingProfileKind`` out; for an Absolute profile
  ``validFrom`` = now, ``validTo`` = now + the schedule's duration (24 h without one) and
  ``chargingSchedule.startSchedule`` = now; for a TxProfile the ``transactionId`` of the
  active transaction on that connector.
- ClearChargingProfile: sent as given; an Accepted answer marks the matching stored
  profiles cleared.
- GetCompositeSchedule: ``duration`` and ``chargingRateUnit`` as the operator gives them,
  else the CSMS's defaults (``CsmsSettings.composite_schedule_duration`` and ``_unit``).
- RemoteStartTransaction with a ``chargingProfile``: a new ``chargingProfileId``; kind
  Relative when left out (an Absolute one is completed as for SetChargingProfile).

Explicit values are always kept. Each profile sent is a row of the store: ``sent`` until
the charge point answers, then ``accepted`` or ``rejected``; later ``cleared``. The
variation other-profile-kind swaps the two default kinds; extra-schedule-period adds a
period to every schedule.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from csms_under_test.faults import (
    CHARGING_PROFILE_ID_REUSED,
    CHARGING_PROFILE_UNIT_SWAPPED,
    CHARGING_PROFILE_WITH_RECURRENCY,
    CHARGING_PROFILE_WITHOUT_NUMBER_PHASES,
    CHARGING_PROFILE_WITHOUT_VALIDITY,
    CLEAR_PROFILE_BY_ID_WITH_CRITERIA,
    COMPOSITE_SCHEDULE_WITHOUT_UNIT,
    NON_TX_PROFILE_WITH_TRANSACTION_ID,
    RELATIVE_PROFILE_WITH_START_SCHEDULE,
    REMOTE_START_PROFILE_WITH_TRANSACTION_ID,
    TX_PROFILE_WRONG_TRANSACTION,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder, fill_from_store
from csms_under_test.store import Store
from csms_under_test.timestamps import ocpp_timestamp
from csms_under_test.variations import (
    EXTRA_PERIOD_AFTER_S,
    EXTRA_SCHEDULE_PERIOD,
    OTHER_PROFILE_KIND,
    Variations,
)

ABSOLUTE = "Absolute"
RELATIVE = "Relative"
TX_PROFILE = "TxProfile"
SET_CHARGING_PROFILE = "SetChargingProfile"
REMOTE_START_TRANSACTION = "RemoteStartTransaction"
# validTo of an Absolute profile whose schedule has no duration.
DEFAULT_VALIDITY = timedelta(hours=24)
SWAPPED_UNITS = {"A": "W", "W": "A"}
# The recurrencyKind the charging-profile-with-recurrency fault adds.
FAULTY_RECURRENCY = "Daily"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# -- what SetChargingProfile and RemoteStartTransaction profiles share ------------------
def _complete_profile(
    profile: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    variations: Variations,
    now: datetime,
    default_kind: str,
) -> None:
    """Complete ``profile`` in place: id, kind, an Absolute profile's validity and
    startSchedule; then the faults and variations every profile shares."""
    if "chargingProfileId" not in profile:
        profile["chargingProfileId"] = _new_profile_id(store, charge_point_id, faults)
    profile.setdefault("chargingProfileKind", default_kind)
    found = profile.get("chargingSchedule")
    schedule = found if isinstance(found, dict) else None
    kind = profile["chargingProfileKind"]
    if kind == ABSOLUTE:
        _fill_validity(profile, schedule, faults, now)
    elif (
        kind == RELATIVE and schedule is not None and RELATIVE_PROFILE_WITH_START_SCHEDULE in faults
    ):
        schedule["startSchedule"] = ocpp_timestamp(now)
    if CHARGING_PROFILE_WITH_RECURRENCY in faults:
        profile.setdefault("recurrencyKind", FAULTY_RECURRENCY)
    if schedule is not None:
        _vary_periods(schedule, faults, variations)


def _new_profile_id(store: Store, charge_point_id: str, faults: Faults) -> int:
    """A chargingProfileId above every one ever stored; with charging-profile-id-reused the
    id of the charge point's latest profile (a new one for its first)."""
    if CHARGING_PROFILE_ID_REUSED in faults:
        sent = store.charging_profiles(charge_point_id)
        if sent:
            return sent[-1].charging_profile_id
    return store.next_charging_profile_id()


def _fill_validity(
    profile: dict[str, Any], schedule: dict[str, Any] | None, faults: Faults, now: datetime
) -> None:
    """An Absolute profile: validFrom = now, validTo = now + duration (24 h without one),
    startSchedule = now; none of them (given ones removed) with charging-profile-without-validity."""
    if CHARGING_PROFILE_WITHOUT_VALIDITY in faults:
        profile.pop("validFrom", None)
        profile.pop("validTo", None)
        if schedule is not None:
            schedule.pop("startSchedule", None)
        return
    duration = schedule.get("duration") if schedule is not None else None
    validity = timedelta(seconds=duration) if _is_int(duration) else DEFAULT_VALIDITY
    profile.setdefault("validFrom", ocpp_timestamp(now))
    profile.setdefault("validTo", ocpp_timestamp(now + validity))
    if schedule is not None:
        schedule.setdefault("startSchedule", ocpp_timestamp(now))


def _vary_periods(schedule: dict[str, Any], faults: Faults, variations: Variations) -> None:
    periods = schedule.get("chargingSchedulePeriod")
    if not isinstance(periods, list) or not periods:
        return  # the schema check reports it
    last = periods[-1]
    if (
        EXTRA_SCHEDULE_PERIOD in variations
        and isinstance(last, dict)
        and _is_int(last.get("startPeriod"))
    ):
        # OCPP 1.6 §7.8: any number of periods, startPeriod increasing; the same limit again.
        periods.append({**last, "startPeriod": last["startPeriod"] + EXTRA_PERIOD_AFTER_S})
    if CHARGING_PROFILE_WITHOUT_NUMBER_PHASES in faults:
        for period in periods:
            if isinstance(period, dict):
                period.pop("numberPhases", None)


def _latest_transaction_id(store: Store, charge_point_id: str | None = None) -> int:
    """The latest transaction's id (of one charge point, or of any), or 1 without one."""
    transactions = store.transactions(charge_point_id)
    return transactions[-1].id if transactions else 1


def _completed_copy(
    payload: dict[str, Any],
    key: str,
    usual_kind: str,
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    variations: Variations | None,
    now: datetime,
) -> dict[str, Any] | None:
    """``payload[key]`` replaced by a completed copy and returned (None when it is not a
    mapping). A kind left out becomes ``usual_kind``; under OTHER_PROFILE_KIND the other."""
    profile = payload.get(key)
    if not isinstance(profile, dict):
        return None
    profile = copy.deepcopy(profile)
    payload[key] = profile
    variations = variations or Variations()
    other_kind = RELATIVE if usual_kind == ABSOLUTE else ABSOLUTE
    _complete_profile(
        profile,
        charge_point_id=charge_point_id,
        store=store,
        faults=faults,
        variations=variations,
        now=now,
        default_kind=other_kind if OTHER_PROFILE_KIND in variations else usual_kind,
    )
    return profile


# -- SetChargingProfile ----------------------------------------------------------------
def complete_set_charging_profile(
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    now: datetime,
    variations: Variations | None = None,
) -> None:
    """Complete ``csChargingProfiles`` (replaced by a completed copy); explicit values stay.
    Raises IncompleteRequest for a TxProfile without transactionId and no active
    transaction on the connector."""
    profile = _completed_copy(
        payload,
        "csChargingProfiles",
        ABSOLUTE,
        charge_point_id=charge_point_id,
        store=store,
        faults=faults,
        variations=variations,
        now=now,
    )
    if profile is None:
        return  # the schema check reports it
    schedule = profile.get("chargingSchedule")
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
    elif NON_TX_PROFILE_WITH_TRANSACTION_ID in faults:
        # OCPP 1.6 §7.8: transactionId only for a TxProfile; this fault adds it to the rest.
        profile.setdefault("transactionId", _latest_transaction_id(store, charge_point_id))
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
    payload: dict[str, Any], *, faults: Faults, duration: int, rate_unit: str
) -> None:
    """Fill in duration and chargingRateUnit (OCPP 1.6 §5.7) with the CSMS's defaults
    ``duration`` and ``rate_unit``; explicit values stay."""
    payload.setdefault("duration", duration)
    payload.setdefault("chargingRateUnit", rate_unit)
    if COMPOSITE_SCHEDULE_WITHOUT_UNIT in faults:
        del payload["chargingRateUnit"]


# -- RemoteStartTransaction ------------------------------------------------------------
def complete_remote_start(
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    now: datetime,
    variations: Variations | None = None,
) -> None:
    """Complete an embedded ``chargingProfile`` (replaced by a completed copy): a new
    chargingProfileId when it has none, kind Relative when left out (an Absolute one gets
    validity and startSchedule); the rest is sent as given."""
    profile = _completed_copy(
        payload,
        "chargingProfile",
        RELATIVE,
        charge_point_id=charge_point_id,
        store=store,
        faults=faults,
        variations=variations,
        now=now,
    )
    if profile is not None and REMOTE_START_PROFILE_WITH_TRANSACTION_ID in faults:
        profile["transactionId"] = _latest_transaction_id(store)


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
