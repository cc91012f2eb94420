"""Local authorization lists the CSMS sends (OCPP 1.6 §3.5.3, §5.10, §5.15).

Per charge point the store keeps the list the charge point last accepted (its listVersion
and idTags) and the highest listVersion ever sent. The operator asks for an updateType; the
CSMS fills in:

- ``listVersion``: one above both the accepted version and every version sent before, so
  versions only ever increase (the first is 1);
- ``localAuthorizationList``: the idTags the operator named in ``idTags`` (a key of the
  operator's request only, never sent: "a list holding these idTags", TC_043_5's initial
  list and its one new idToken); otherwise for Full every stored idTag, for Differential
  the stored idTags not in the charge point's accepted list (all stored idTags if there
  are none). Each entry carries the idTagInfo Authorize would answer
  (``authorization.id_tag_info``).

Only an Accepted answer changes the remembered list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms_under_test.authorization import id_tag_info
from csms_under_test.faults import (
    LOCAL_LIST_EMPTY,
    LOCAL_LIST_WITHOUT_IDTAGINFO,
    SEND_LOCAL_LIST_WRONG_TYPE,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder
from csms_under_test.store import Store
from csms_under_test.timestamps import ocpp_timestamp

FULL = "Full"
DIFFERENTIAL = "Differential"
# The operator's "a list holding these idTags": a key of the operator request, not of OCPP.
ID_TAGS = "idTags"


def next_list_version(store: Store, charge_point_id: str, *, from_reported: bool = False) -> int:
    """One above every version accepted or sent; ``from_reported`` (the
    local-list-version-first variation): one above the version the charge point last
    reported, when it reported one."""
    state = store.local_list(charge_point_id)
    if state is None:
        return 1
    reported = state.reported_version
    if from_reported and reported is not None and reported >= 0:
        return reported + 1
    return max(state.list_version, state.last_sent_version, 0) + 1


def list_id_tags(store: Store, charge_point_id: str, update_type: str) -> list[str]:
    """The idTags a Full or Differential update to ``charge_point_id`` carries."""
    stored = [record.id_tag for record in store.id_tags()]
    if update_type != DIFFERENTIAL:
        return stored
    state = store.local_list(charge_point_id)
    held = {tag.casefold() for tag in state.id_tags} if state is not None else set()
    missing = [tag for tag in stored if tag.casefold() not in held]
    return missing or stored


def complete_send_local_list(
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    now: datetime,
    version_from_reported: bool = False,
) -> None:
    """Fill in listVersion and localAuthorizationList (in place); explicit values stay.
    The operator's ``idTags`` names the idTags of the list; it is removed.
    ``version_from_reported``: see :func:`next_list_version`."""
    update_type = payload.get("updateType")
    named = payload.pop(ID_TAGS, None)
    if "listVersion" not in payload:
        payload["listVersion"] = next_list_version(
            store, charge_point_id, from_reported=version_from_reported
        )
    if "localAuthorizationList" not in payload and update_type in (FULL, DIFFERENTIAL):
        tags = (
            [str(tag) for tag in named]
            if isinstance(named, list)
            else list_id_tags(store, charge_point_id, update_type)
        )
        payload["localAuthorizationList"] = [
            {"idTag": tag, "idTagInfo": id_tag_info(store, tag, now, faults)} for tag in tags
        ]
    if LOCAL_LIST_EMPTY in faults and "localAuthorizationList" in payload:
        payload["localAuthorizationList"] = []
    if SEND_LOCAL_LIST_WRONG_TYPE in faults and update_type in (FULL, DIFFERENTIAL):
        payload["updateType"] = DIFFERENTIAL if update_type == FULL else FULL
    entries = payload.get("localAuthorizationList")
    if LOCAL_LIST_WITHOUT_IDTAGINFO in faults and isinstance(entries, list):
        payload["localAuthorizationList"] = [
            {k: v for k, v in entry.items() if k != "idTagInfo"}
            if isinstance(entry, dict)
            else entry
            for entry in entries
        ]


def send_local_list_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store
) -> AnswerRecorder:
    """Record the version going out; the returned function records the answer."""
    list_version: int = request["listVersion"]
    update_type: str = request["updateType"]
    entries: list[dict[str, Any]] = request.get("localAuthorizationList", [])
    store.local_list_sent(charge_point_id, list_version)

    def answered(response: dict[str, Any] | None, at: datetime) -> None:
        status = response.get("status") if response is not None else None
        state = store.local_list(charge_point_id)
        # A Full update replaces the list; a Differential one adds or updates the entries
        # with idTagInfo and removes those without (OCPP 1.6 §5.15).
        held = (
            {} if update_type == FULL or state is None else {t.casefold(): t for t in state.id_tags}
        )
        for entry in entries:
            tag: str = entry["idTag"]
            if "idTagInfo" in entry:
                held[tag.casefold()] = tag
            else:
                held.pop(tag.casefold(), None)
        store.local_list_answered(
            charge_point_id,
            status=status if isinstance(status, str) else None,
            list_version=list_version,
            update_type=update_type,
            id_tags=held.values(),
            at=ocpp_timestamp(at),
        )

    return answered


def get_local_list_version_sent(*, charge_point_id: str, store: Store) -> AnswerRecorder:
    def answered(response: dict[str, Any] | None, at: datetime) -> None:
        version = response.get("listVersion") if response is not None else None
        if isinstance(version, int) and not isinstance(version, bool):
            store.local_list_version_reported(charge_point_id, version, ocpp_timestamp(at))

    return answered
