"""Reservations the CSMS makes (OCPP 1.6 §3.11 Reservation profile, §5.1, §5.13).

The operator asks for a connector (0: the whole charge point) and an idTag, and may give
the expiryDate or say how long the reservation lasts (``expiryOffset``, seconds: a key of
the operator's request only, never sent; TC_047's "configured Expiry Date Offset"); the
CSMS adds the reservationId, the expiryDate (now + that offset, by default its own
``CsmsSettings.reservation_expiry``) and the parentIdTag its store holds for the idTag. Each ReserveNow sent is a row of the store: ``requested`` until the charge point
answers, then ``accepted`` or ``rejected``; later ``cancelled`` (CancelReservation
accepted) or ``used`` (a StartTransaction carrying its reservationId). An accepted
reservation past its expiryDate counts as ``expired``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from csms_under_test.faults import (
    CANCEL_LATEST_RESERVATION,
    CANCEL_WRONG_RESERVATION,
    RESERVATION_EXPIRY_IN_MINUTES,
    RESERVE_WITHOUT_PARENT_ID_TAG,
    RESERVE_WRONG_CONNECTOR,
    RESERVE_WRONG_IDTAG,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder, fill_from_store
from csms_under_test.store import (
    RESERVATION_ACCEPTED,
    RESERVATION_CANCELLED,
    RESERVATION_USED,
    ReservationRecord,
    Store,
)
from csms_under_test.timestamps import ocpp_timestamp, parse_timestamp

logger = logging.getLogger(__name__)

# The factor the reservation-expiry-in-minutes fault applies to the expiry offset.
MINUTES_FACTOR = 60
# The operator's "expiring this many seconds from now": a key of the operator request only.
EXPIRY_OFFSET = "expiryOffset"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_tag(a: str | None, b: str | None) -> bool:
    # IdToken is a CiString20Type: compared case-insensitively (OCPP 1.6 §7).
    return a is not None and b is not None and a.casefold() == b.casefold()


# -- ReserveNow ----------------------------------------------------------------------
def complete_reserve_now(
    payload: dict[str, Any],
    *,
    store: Store,
    faults: Faults,
    expiry_offset: float,
    now: datetime,
    expiry_margin: float = 0.0,
) -> None:
    """Fill in reservationId, expiryDate and parentIdTag (in place); explicit values stay.

    The expiryDate is now + the operator's ``expiryOffset`` (removed from the payload) or
    else ``expiry_offset`` (the CSMS's default), plus ``expiry_margin`` seconds (the
    reservation-expiry-margin variation). The parentIdTag is the store's, if it has one."""
    given_offset = payload.pop(EXPIRY_OFFSET, None)
    if _is_number(given_offset) and given_offset > 0:
        expiry_offset = float(given_offset)
    id_tag = payload.get("idTag")
    if RESERVE_WRONG_IDTAG in faults and isinstance(id_tag, str):
        payload["idTag"] = id_tag = _wrong_id_tag(store, id_tag)
    connector_id = payload.get("connectorId")
    if RESERVE_WRONG_CONNECTOR in faults and _is_int(connector_id):
        # The reservation's scope mixed up: the whole charge point for a connector, and
        # connector 1 for the whole charge point.
        payload["connectorId"] = 1 if connector_id == 0 else 0
    if "reservationId" not in payload:
        payload["reservationId"] = store.next_reservation_id()
    payload["expiryDate"] = _expiry_date(
        payload.get("expiryDate"), expiry_offset, faults, now, expiry_margin
    )
    if "parentIdTag" not in payload and isinstance(id_tag, str):
        record = store.id_tag(id_tag)
        if record is not None and record.parent_id_tag is not None:
            payload["parentIdTag"] = record.parent_id_tag
    if RESERVE_WITHOUT_PARENT_ID_TAG in faults:
        payload.pop("parentIdTag", None)


def _wrong_id_tag(store: Store, id_tag: str) -> str:
    """RESERVE_WRONG_IDTAG: the idTag's stored parent; without one, the first parent the
    store holds for any idTag; without any, ``id_tag`` itself (nothing to mix it up with)."""
    record = store.id_tag(id_tag)
    if record is not None and record.parent_id_tag:
        return record.parent_id_tag
    parents = (r.parent_id_tag for r in store.id_tags() if r.parent_id_tag)
    return next(parents, id_tag)


def _expiry_date(
    given: Any, offset: float, faults: Faults, now: datetime, margin: float = 0.0
) -> Any:
    """now + the offset (+ ``margin``), unless the operator gave an expiryDate. With the
    reservation-expiry-in-minutes fault the offset (the default or given) is taken as
    minutes, and a given expiryDate is stretched likewise."""
    minutes = RESERVATION_EXPIRY_IN_MINUTES in faults
    if given is None:
        seconds = offset * MINUTES_FACTOR if minutes else offset
        return ocpp_timestamp(now + timedelta(seconds=seconds + margin))
    if minutes and isinstance(given, str):
        moment = parse_timestamp(given)
        if moment is not None:
            return ocpp_timestamp(now + (moment - now) * MINUTES_FACTOR)
    return given


def reserve_now_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store, now: datetime
) -> AnswerRecorder:
    """Store the reservation as requested; the returned function records the answer."""
    record = store.add_reservation(
        charge_point_id,
        reservation_id=request["reservationId"],
        connector_id=request["connectorId"],
        id_tag=request["idTag"],
        parent_id_tag=request.get("parentIdTag"),
        expiry_date=request["expiryDate"],
        created_at=ocpp_timestamp(now),
    )

    def answered(response: dict[str, Any] | None, at: datetime) -> None:
        status = response.get("status") if response is not None else None
        store.answer_reservation(record.id, status if isinstance(status, str) else None)

    return answered


# -- CancelReservation ---------------------------------------------------------------
def latest_active(store: Store, charge_point_id: str, now: datetime) -> ReservationRecord | None:
    """The most recent accepted, unexpired reservation of the charge point."""
    for record in reversed(store.reservations(charge_point_id)):
        if record.status_at(now) == RESERVATION_ACCEPTED:
            return record
    return None


def complete_cancel_reservation(
    payload: dict[str, Any], *, charge_point_id: str, store: Store, faults: Faults, now: datetime
) -> None:
    """Fill in reservationId (in place): the charge point's latest active reservation."""
    made = store.reservations(charge_point_id)
    if CANCEL_LATEST_RESERVATION in faults and made:
        # The fault: the reservationId the operator gave is not looked at.
        payload["reservationId"] = made[-1].reservation_id
    active = None if "reservationId" in payload else latest_active(store, charge_point_id, now)
    fill_from_store(
        payload,
        "reservationId",
        active.reservation_id if active else None,
        f"charge point {charge_point_id} has no accepted, unexpired reservation to cancel; "
        "give reservationId",
    )
    reservation_id = payload["reservationId"]
    if CANCEL_WRONG_RESERVATION in faults and _is_int(reservation_id):
        payload["reservationId"] = reservation_id + 1


def cancel_reservation_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store
) -> AnswerRecorder:
    reservation_id: int = request["reservationId"]

    def answered(response: dict[str, Any] | None, at: datetime) -> None:
        if response is None or response.get("status") != "Accepted":
            return
        for record in store.reservations_by_id(charge_point_id, reservation_id):
            if record.status == RESERVATION_ACCEPTED:
                store.set_reservation_status(record.id, RESERVATION_CANCELLED)

    return answered


# -- StartTransaction ----------------------------------------------------------------
def use_for_transaction(
    store: Store,
    charge_point_id: str,
    *,
    reservation_id: int,
    connector_id: int,
    id_tag: str,
    transaction_id: int,
    now: datetime,
) -> ReservationRecord | None:
    """Mark ``used`` the accepted, unexpired reservation a StartTransaction names, if it
    fits: same connector (or a reservation of connector 0) and the reserved idTag or one
    with the reservation's parentIdTag (OCPP 1.6 §5.13). Returns it, or None."""
    presented = store.id_tag(id_tag)
    presented_parent = presented.parent_id_tag if presented is not None else None
    for record in store.reservations_by_id(charge_point_id, reservation_id):
        if record.status_at(now) != RESERVATION_ACCEPTED:
            continue
        if record.connector_id not in (0, connector_id):
            continue
        if _same_tag(record.id_tag, id_tag) or _same_tag(record.parent_id_tag, presented_parent):
            store.set_reservation_status(record.id, RESERVATION_USED, transaction_id)
            return record
    logger.warning(
        "%s: StartTransaction names reservation %s, which no accepted reservation of this "
        "charge point for connector %s and idTag %s matches",
        charge_point_id,
        reservation_id,
        connector_id,
        id_tag,
    )
    return None
