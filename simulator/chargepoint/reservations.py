"""Reservations held by the charge point (OCPP 1.6 §3.11, §5.1, §5.13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reservation:
    reservation_id: int
    connector_id: int  # the connector held (for a reservation of connector 0: the one chosen)
    requested_connector: int  # as ReserveNow asked: 0 = the whole charge point
    id_tag: str
    parent_id_tag: str | None
    expiry: datetime

    def serves(self, id_tag: str, parent_id_tag: str | None) -> bool:
        """§3.11: the reserved idTag, or one with the same parentIdTag, may use it."""
        same_parent = parent_id_tag is not None and parent_id_tag == self.parent_id_tag
        return id_tag == self.id_tag or same_parent
