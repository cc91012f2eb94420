"""Deliberate defects the reference CSMS can be started with.

Each fault is the defect one OCTT test case exists to catch: run that case against the CSMS
with the fault switched on and the case must fail. Handlers consult :class:`Faults`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

REJECT_BOOT = "reject-boot"
HEARTBEAT_SILENT = "heartbeat-silent"
AUTHORIZE_INVALID = "authorize-invalid"
START_TRANSACTION_INVALID = "start-transaction-invalid"
REMOTE_STOP_WRONG_TRANSACTION = "remote-stop-wrong-transaction"

FAULTS: dict[str, str] = {
    REJECT_BOOT: "BootNotification is answered with status Rejected",
    HEARTBEAT_SILENT: "Heartbeat requests are never answered",
    AUTHORIZE_INVALID: "every Authorize is answered with idTagInfo.status Invalid",
    START_TRANSACTION_INVALID: (
        "StartTransaction is answered with idTagInfo.status Invalid for every idTag"
    ),
    REMOTE_STOP_WRONG_TRANSACTION: (
        "RemoteStopTransaction names a transactionId other than the running one (+1000)"
    ),
}


class Faults:
    """The set of faults switched on; ``"reject-boot" in faults``."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        chosen = frozenset(names)
        unknown = sorted(chosen - FAULTS.keys())
        if unknown:
            raise ValueError(
                f"unknown fault {', '.join(map(repr, unknown))}; "
                f"known faults: {', '.join(sorted(FAULTS))}"
            )
        self._names = chosen

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"Faults({sorted(self._names)!r})"
