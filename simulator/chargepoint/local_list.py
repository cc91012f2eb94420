"""The charge point's local authorization list (OCPP 1.6 §3.5.3, §5.10, §5.15)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class LocalList:
    supported: bool = True  # LocalAuthListManagement implemented (else version -1, NotSupported)
    update_fails: bool = False  # an update cannot be stored (SendLocalList -> Failed)
    version: int = 0  # 0: empty (§5.10)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # idTag -> idTagInfo

    def current_version(self) -> int:
        return self.version if self.supported else -1

    def update(self, payload: dict[str, Any]) -> str:
        """Apply SendLocalList.req; the status to answer (OCPP 1.6 §5.15)."""
        if not self.supported:
            return "NotSupported"
        if self.update_fails:
            return "Failed"
        version = int(payload.get("listVersion", 0))
        items = payload.get("localAuthorizationList") or []
        if payload.get("updateType") == "Full":
            self.entries = {}
        elif version <= self.version:
            # §5.15: a differential update must carry a higher version than the list's.
            return "VersionMismatch"
        for item in items:
            if "idTagInfo" in item:
                self.entries[str(item["idTag"])] = dict(item["idTagInfo"])
            else:
                self.entries.pop(str(item["idTag"]), None)
        self.version = version
        return "Accepted"

    def accepts(self, id_tag: str) -> bool:
        return self.supported and self.entries.get(id_tag, {}).get("status") == "Accepted"
