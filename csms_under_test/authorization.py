"""Authorization of idTags from the store (OCPP 1.6 §7 types IdTagInfo and AuthorizationStatus)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms_under_test.faults import (
    AUTHORIZE_UNKNOWN_ACCEPTED,
    BLOCKED_AS_INVALID,
    EXPIRY_IGNORED,
    PARENT_ID_TAG_MISSING,
    Faults,
)
from csms_under_test.store import Store
from csms_under_test.timestamps import parse_timestamp

NO_FAULTS = Faults()


def id_tag_info(
    store: Store, id_tag: str, now: datetime, faults: Faults = NO_FAULTS
) -> dict[str, Any]:
    """The IdTagInfo the CSMS answers for ``id_tag`` at ``now``.

    Unknown → Invalid; stored status Blocked → Blocked; expiry date passed → Expired;
    otherwise the stored status. parentIdTag and expiryDate are included when stored.
    The authorization faults (``faults``) break exactly one of these rules each.
    """
    record = store.id_tag(id_tag)
    if record is None:
        return {"status": "Accepted" if AUTHORIZE_UNKNOWN_ACCEPTED in faults else "Invalid"}
    status = record.status
    if status != "Blocked" and record.expiry_date is not None and EXPIRY_IGNORED not in faults:
        expiry = parse_timestamp(record.expiry_date)
        if expiry is not None and expiry <= now:
            status = "Expired"
    if status == "Blocked" and BLOCKED_AS_INVALID in faults:
        status = "Invalid"
    info: dict[str, Any] = {"status": status}
    if record.expiry_date is not None:
        info["expiryDate"] = record.expiry_date
    if record.parent_id_tag is not None and PARENT_ID_TAG_MISSING not in faults:
        info["parentIdTag"] = record.parent_id_tag
    return info
