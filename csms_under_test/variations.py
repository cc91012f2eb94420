"""Legal variations: things real CSMSs do that a certification lab accepts.

Faults prove that every case can fail; variations prove that no case fails a correct CSMS
for behaviour the OCPP 1.6 specification allows. ``make mutation`` runs every case under
every variation and requires PASS. Handlers, the server and the operator service consult
:class:`Variations`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any, ClassVar

from csms_under_test.switches import Switches

POST_BOOT_BURST = "post-boot-burst"
OWN_REQUEST_FIRST = "own-request-first"
LATE_DISCONNECT = "late-disconnect"
SERIALISATION = "serialisation"
SLOW_ANSWERS = "slow-answers"
# -- issue 13: core (what an operator's UI offers: csms_under_test.operator_ui)
REMOTE_STOP_NAMES_RUNNING = "remote-stop-names-running"
UNLOCK_KNOWN_CONNECTORS_ONLY = "unlock-known-connectors-only"
CHANGE_CONFIGURATION_KNOWN_KEYS_ONLY = "change-configuration-known-keys-only"
# -- issue 13: smart charging / remote trigger
EXTRA_SCHEDULE_PERIOD = "extra-schedule-period"
OTHER_PROFILE_KIND = "other-profile-kind"
# -- issue 13: local list / reservation / firmware
RESERVATION_EXPIRY_MARGIN = "reservation-expiry-margin"
LOCAL_LIST_VERSION_FIRST = "local-list-version-first"
# -- issue 17: the Security block
PEM_REWRAPPED = "pem-rewrapped"
HASH_DATA_OTHER_CASE = "hash-data-other-case"
SIGNED_FIRMWARE_CRLF_CERTIFICATE = "signed-firmware-crlf-certificate"
SIGNED_FIRMWARE_INSTALL_DATE = "signed-firmware-install-date"
CSR_CA_RSA = "csr-ca-rsa"
CERTIFICATE_CHAIN_LEAF_ONLY = "certificate-chain-leaf-only"

VARIATIONS: dict[str, str] = {
    POST_BOOT_BURST: (
        "configures a charge point as it boots: GetConfiguration before answering the "
        "BootNotification, then ChangeConfiguration MeterValuesSampledData, ChangeAvailability "
        "Operative and TriggerMessage StatusNotification for each connector"
    ),
    OWN_REQUEST_FIRST: (
        "sends a request of its own of the same action just before the operator's "
        "(GetConfiguration, ChangeConfiguration, TriggerMessage, GetLocalListVersion, "
        "GetCompositeSchedule)"
    ),
    LATE_DISCONNECT: (
        "registers a disconnect late: a connection for the same charge point that arrives "
        "within 0.5 s of the previous one closing is closed (1008, the old one is 'still there')"
    ),
    SERIALISATION: (
        'serialises differently: ", " and ": " spacing, payload keys in reverse order, '
        "numeric-string uniqueIds"
    ),
    SLOW_ANSWERS: "answers every charge point request 0.05 s late (well inside the limits)",
    # -- issue 13: core
    REMOTE_STOP_NAMES_RUNNING: (
        "its UI can only stop the running transaction: RemoteStopTransaction names the charge "
        "point's active transaction whatever id the operator gave"
    ),
    UNLOCK_KNOWN_CONNECTORS_ONLY: (
        "its UI offers only the connectors a charge point reported: UnlockConnector for any "
        "other connector goes out for connector 1"
    ),
    CHANGE_CONFIGURATION_KNOWN_KEYS_ONLY: (
        "its UI offers only the OCPP 1.6 Core keys: ChangeConfiguration of any other key goes "
        "out for HeartbeatInterval, with the value given"
    ),
    # -- issue 13: smart charging / remote trigger
    EXTRA_SCHEDULE_PERIOD: (
        "every charging schedule goes out with one more period, 60 s after its last one, at "
        "the same limit"
    ),
    OTHER_PROFILE_KIND: (
        "a charging profile whose kind the operator leaves open goes out Relative in "
        "SetChargingProfile and Absolute from now in RemoteStartTransaction (the defaults "
        "are the other way round)"
    ),
    # -- issue 13: local list / reservation / firmware
    RESERVATION_EXPIRY_MARGIN: (
        "gives the driver a little grace: ReserveNow.expiryDate is 10 s later than now + the "
        "expiry offset"
    ),
    LOCAL_LIST_VERSION_FIRST: (
        "asks for the charge point's list version (GetLocalListVersion) before a Differential "
        "SendLocalList and numbers the update one above the version reported"
    ),
    # -- issue 17: the Security block
    PEM_REWRAPPED: (
        "sends certificates re-wrapped: base64 lines of 76 characters, CRLF line ends, no "
        "trailing newline (the same DER)"
    ),
    HASH_DATA_OTHER_CASE: (
        "DeleteCertificate writes the hash data's hex digits in the other case than the "
        "charge point reported them (the fields are CiStrings)"
    ),
    SIGNED_FIRMWARE_CRLF_CERTIFICATE: (
        "stores PEM text as entered in a web form: SignedUpdateFirmware's "
        "firmware.signingCertificate goes out with CRLF line ends"
    ),
    SIGNED_FIRMWARE_INSTALL_DATE: (
        "schedules the installation too: SignedUpdateFirmware carries firmware.installDateTime "
        "(the retrieveDateTime) when the operator gives none"
    ),
    CSR_CA_RSA: (
        "the CA it generates to sign charge point CSRs has an RSA-2048 key (default: EC P-256)"
    ),
    CERTIFICATE_CHAIN_LEAF_ONLY: (
        "CertificateSigned carries the charge point's certificate only, without the CA "
        "certificate after it"
    ),
}

# The time after a close in which LATE_DISCONNECT still believes the old connection is up.
LATE_DISCONNECT_S = 0.5
# SLOW_ANSWERS: how long each answer waits.
SLOW_ANSWER_S = 0.05
# OWN_REQUEST_FIRST: the CSMS's own request before the operator's, per action. Each
# differs from what any case asks the operator for, and changes nothing a case relies on.
OWN_REQUESTS: dict[str, Callable[[], dict[str, Any]]] = {
    "GetConfiguration": lambda: {"key": ["HeartbeatInterval"]},
    "ChangeConfiguration": lambda: {
        "key": "MeterValuesSampledData",
        "value": "Energy.Active.Import.Register",
    },
    "TriggerMessage": lambda: {"requestedMessage": "StatusNotification", "connectorId": 0},
    "GetLocalListVersion": lambda: {},
    "GetCompositeSchedule": lambda: {"connectorId": 0, "duration": 60},
}


# -- issue 13: smart charging / remote trigger
# EXTRA_SCHEDULE_PERIOD: how long after the schedule's last period the extra one starts.
EXTRA_PERIOD_AFTER_S = 60

# -- issue 13: local list / reservation / firmware
# RESERVATION_EXPIRY_MARGIN: how much later than now + the offset the reservation expires
# (inside TC_047's waits.reservation_expiry_tolerance, default 30 s; outside the 5 s the
# case used to allow).
RESERVATION_EXPIRY_MARGIN_S = 10


class Variations(Switches):
    """The set of variations switched on; ``"slow-answers" in variations``."""

    catalogue: ClassVar[dict[str, str]] = VARIATIONS
    noun: ClassVar[str] = "variation"


def numeric_ids() -> Callable[[], str]:
    """SERIALISATION: uniqueIds that are strings of digits ("1000", "1001", ...)."""
    numbers = itertools.count(1000)
    return lambda: str(next(numbers))


def reserialise(text: str) -> str:
    """SERIALISATION: the same frame with ", " / ": " spacing and payload keys reversed."""
    try:
        frame = json.loads(text)
    except json.JSONDecodeError:
        return text
    return json.dumps(_reversed(frame), separators=(", ", ": "), ensure_ascii=False)


def _reversed(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed(item) for item in value]
    return value
