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
AUTHORIZE_UNKNOWN_ACCEPTED = "authorize-unknown-accepted"
EXPIRY_IGNORED = "expiry-ignored"
BLOCKED_AS_INVALID = "blocked-as-invalid"
STATUS_FAULTED_CALLERROR = "status-faulted-callerror"
UNLOCK_WRONG_CONNECTOR = "unlock-wrong-connector"
DROP_ON_NEGATIVE_ANSWER = "drop-on-negative-answer"
GET_CONFIGURATION_ALL_KEYS_LISTED = "get-configuration-all-keys-listed"
GET_CONFIGURATION_WRONG_KEY = "get-configuration-wrong-key"
CHANGE_CONFIGURATION_WRONG_VALUE = "change-configuration-wrong-value"
CLEAR_CACHE_NOT_SENT = "clear-cache-not-sent"
DATA_TRANSFER_CALLERROR = "data-transfer-callerror"
STATUS_TRANSITION_CALLERROR = "status-transition-callerror"
STOP_TRANSACTION_REASON_CALLERROR = "stop-transaction-reason-callerror"
RESET_TYPE_SWAPPED = "reset-type-swapped"
BOOT_REJECTED_WITH_OPEN_TRANSACTION = "boot-rejected-with-open-transaction"
START_REQUIRES_AUTHORIZE = "start-requires-authorize"
START_TRANSACTION_ACCEPTS_UNKNOWN = "start-transaction-accepts-unknown"

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
    AUTHORIZE_UNKNOWN_ACCEPTED: "an idTag the CSMS does not know is answered with status Accepted",
    EXPIRY_IGNORED: "an idTag whose expiry date has passed is answered with its stored status",
    BLOCKED_AS_INVALID: "a Blocked idTag is answered with status Invalid instead of Blocked",
    STATUS_FAULTED_CALLERROR: (
        "a StatusNotification with status Faulted is answered with CALLERROR InternalError"
    ),
    UNLOCK_WRONG_CONNECTOR: "UnlockConnector names the connector after the one asked for (+1)",
    DROP_ON_NEGATIVE_ANSWER: (
        "the CSMS closes the WebSocket when a charge point answers it with a negative status"
    ),
    GET_CONFIGURATION_ALL_KEYS_LISTED: (
        "GetConfiguration for all keys lists every key the CSMS knows instead of none"
    ),
    GET_CONFIGURATION_WRONG_KEY: (
        "GetConfiguration names each key with a lower-case first letter (supportedFeatureProfiles)"
    ),
    CHANGE_CONFIGURATION_WRONG_VALUE: (
        "ChangeConfiguration of an ...Interval key sends the value times 60 (minutes, not seconds)"
    ),
    CLEAR_CACHE_NOT_SENT: "ClearCache is reported Accepted to the operator but never sent",
    DATA_TRANSFER_CALLERROR: "DataTransfer from a charge point is answered with CALLERROR NotSupported",
    STATUS_TRANSITION_CALLERROR: (
        "a connector going from Preparing back to Available is answered with CALLERROR"
    ),
    STOP_TRANSACTION_REASON_CALLERROR: (
        "a StopTransaction whose reason is not Local or Remote is answered with CALLERROR"
    ),
    RESET_TYPE_SWAPPED: "Reset sends Soft when the operator asks for Hard, and Hard for Soft",
    BOOT_REJECTED_WITH_OPEN_TRANSACTION: (
        "a BootNotification from a charge point with a transaction still open is Rejected"
    ),
    START_REQUIRES_AUTHORIZE: (
        "StartTransaction is Invalid unless its idTag was authorized on this connection first"
    ),
    START_TRANSACTION_ACCEPTS_UNKNOWN: "StartTransaction with an unknown idTag is answered Accepted",
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
