"""Deliberate defects the reference CSMS can be started with.

Each fault is the defect one OCTT test case exists to catch: run that case against the CSMS
with the fault switched on and the case must fail. Handlers consult :class:`Faults`.
"""

from __future__ import annotations

from typing import ClassVar

from csms_under_test.switches import Switches
from csms_under_test.variations import VARIATIONS

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
DATA_TRANSFER_CALLERROR = "data-transfer-callerror"
STATUS_TRANSITION_CALLERROR = "status-transition-callerror"
STOP_TRANSACTION_REASON_CALLERROR = "stop-transaction-reason-callerror"
RESET_TYPE_SWAPPED = "reset-type-swapped"
BOOT_REJECTED_WITH_OPEN_TRANSACTION = "boot-rejected-with-open-transaction"
START_REQUIRES_AUTHORIZE = "start-requires-authorize"
START_TRANSACTION_ACCEPTS_UNKNOWN = "start-transaction-accepts-unknown"
SEND_LOCAL_LIST_WRONG_TYPE = "send-local-list-wrong-type"
LOCAL_LIST_WITHOUT_IDTAGINFO = "local-list-without-idtaginfo"
RESERVE_WRONG_IDTAG = "reserve-wrong-idtag"
RESERVE_WRONG_CONNECTOR = "reserve-wrong-connector"
RESERVATION_EXPIRY_IN_MINUTES = "reservation-expiry-in-minutes"
CANCEL_WRONG_RESERVATION = "cancel-wrong-reservation"
PARENT_ID_TAG_MISSING = "parent-id-tag-missing"
CHANGE_AVAILABILITY_OPERATIVE = "change-availability-operative"
TRIGGER_WRONG_CONNECTOR = "trigger-wrong-connector"
METER_VALUES_CALLERROR = "meter-values-callerror"
FIRMWARE_STATUS_NOTIFICATION_NOT_IMPLEMENTED = "firmware-status-notification-not-implemented"
REQUEST_NOT_SENT = "request-not-sent"
CHARGING_PROFILE_WITHOUT_VALIDITY = "charging-profile-without-validity"
CHARGING_PROFILE_UNIT_SWAPPED = "charging-profile-unit-swapped"
TX_PROFILE_WRONG_TRANSACTION = "tx-profile-wrong-transaction"
REMOTE_START_PROFILE_WITH_TRANSACTION_ID = "remote-start-profile-with-transaction-id"
COMPOSITE_SCHEDULE_WITHOUT_UNIT = "composite-schedule-without-unit"
CLEAR_PROFILE_BY_ID_WITH_CRITERIA = "clear-profile-by-id-with-criteria"
FIRMWARE_LOCATION_REWRITTEN = "firmware-location-rewritten"
TRANSFER_FAILURE_UNHANDLED = "transfer-failure-unhandled"
# -- issue 13: core
REMOTE_START_WRONG_IDTAG = "remote-start-wrong-idtag"
REMOTE_START_WRONG_CONNECTOR = "remote-start-wrong-connector"
# -- issue 13: local list / reservation / firmware
LOCAL_LIST_EMPTY = "local-list-empty"
BOOT_REJECTED_WHILE_INSTALLING = "boot-rejected-while-installing"
CANCEL_LATEST_RESERVATION = "cancel-latest-reservation"
RESERVE_WITHOUT_PARENT_ID_TAG = "reserve-without-parent-id-tag"
# -- issue 13: smart charging / remote trigger
CHARGING_PROFILE_WITHOUT_NUMBER_PHASES = "charging-profile-without-number-phases"
CHARGING_PROFILE_WITH_RECURRENCY = "charging-profile-with-recurrency"
NON_TX_PROFILE_WITH_TRANSACTION_ID = "non-tx-profile-with-transaction-id"
RELATIVE_PROFILE_WITH_START_SCHEDULE = "relative-profile-with-start-schedule"
CHARGING_PROFILE_ID_REUSED = "charging-profile-id-reused"
TRIGGER_WRONG_MESSAGE = "trigger-wrong-message"
# -- issue 17: the Security block
SUBPROTOCOL_NOT_REQUIRED = "subprotocol-not-required"
SUBPROTOCOL_FIRST_OFFERED = "subprotocol-first-offered"
BASIC_AUTH_NOT_REQUIRED = "basic-auth-not-required"
BASIC_AUTH_HEX_PASSWORD = "basic-auth-hex-password"
AUTHORIZATION_KEY_NOT_STORED = "authorization-key-not-stored"
AUTHORIZATION_KEY_PLAINTEXT = "authorization-key-plaintext"
GET_LOG_DIAGNOSTICS_TYPE = "get-log-diagnostics-type"
LOG_LOCATION_REWRITTEN = "log-location-rewritten"
LOG_STATUS_NOTIFICATION_NOT_IMPLEMENTED = "log-status-notification-not-implemented"
INSTALL_CERTIFICATE_WRONG_TYPE = "install-certificate-wrong-type"
INSTALL_CERTIFICATE_ALTERED = "install-certificate-altered"
GET_INSTALLED_IDS_WRONG_TYPE = "get-installed-ids-wrong-type"
DELETE_CERTIFICATE_WRONG_SERIAL = "delete-certificate-wrong-serial"
DELETE_CERTIFICATE_FIXED_ALGORITHM = "delete-certificate-fixed-algorithm"
DELETE_CERTIFICATE_FIRST_LISTED = "delete-certificate-first-listed"
# TC_086/TC_087: the TLS set-up (csms_under_test.security.server_tls_context). The last two
# are in the TLS material, which the launcher makes (simulator.tls_faults).
SECURITY_PROFILE_NOT_RAISED = "security-profile-not-raised"
SECURITY_PROFILE_NOT_ENFORCED = "security-profile-not-enforced"
TLS_STATIC_RSA_DISABLED = "tls-static-rsa-disabled"
TLS_ECDSA_CERTIFICATE_MISSING = "tls-ecdsa-certificate-missing"
TLS_RSA_KEY_SHORT = "tls-rsa-key-short"
TLS_SERVER_CN_MISMATCH = "tls-server-cn-mismatch"
SIGNED_FIRMWARE_LOCATION_REWRITTEN = "signed-firmware-location-rewritten"
SIGNED_FIRMWARE_SIGNATURE_TRUNCATED = "signed-firmware-signature-truncated"
SIGNED_FIRMWARE_CERTIFICATE_UNARMOURED = "signed-firmware-certificate-unarmoured"
SIGNED_FIRMWARE_STATUS_NOTIFICATION_NOT_IMPLEMENTED = (
    "signed-firmware-status-notification-not-implemented"
)
SECURITY_EVENT_NOTIFICATION_NOT_IMPLEMENTED = "security-event-notification-not-implemented"
STATUS_UNAVAILABLE_CALLERROR = "status-unavailable-callerror"
EXTENDED_TRIGGER_WITH_CONNECTOR_ID = "extended-trigger-with-connector-id"
SIGN_CERTIFICATE_REJECTED = "sign-certificate-rejected"
CERTIFICATE_SIGNED_NEVER_SENT = "certificate-signed-never-sent"
CERTIFICATE_SIGNED_OTHER_KEY = "certificate-signed-other-key"
SIGNED_CERTIFICATE_NOT_TRUSTED = "signed-certificate-not-trusted"

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
        "the CSMS closes the WebSocket when a charge point declines its request "
        "(a negative status, or GetLocalListVersion listVersion -1)"
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
    SEND_LOCAL_LIST_WRONG_TYPE: (
        "SendLocalList goes out with the other updateType (Full for Differential and back)"
    ),
    LOCAL_LIST_WITHOUT_IDTAGINFO: "SendLocalList entries carry no idTagInfo",
    RESERVE_WRONG_IDTAG: "ReserveNow names the parent idTag instead of the one asked for",
    RESERVE_WRONG_CONNECTOR: (
        "ReserveNow names connector 0 (the whole charge point) for a connector, and 1 for 0"
    ),
    RESERVATION_EXPIRY_IN_MINUTES: (
        "ReserveNow.expiryDate is now + the expiry offset times 60 (minutes, not seconds)"
    ),
    CANCEL_WRONG_RESERVATION: "CancelReservation names the reservationId after the one meant (+1)",
    PARENT_ID_TAG_MISSING: (
        "idTagInfo (Authorize, StartTransaction, StopTransaction, local lists) has no parentIdTag"
    ),
    CHANGE_AVAILABILITY_OPERATIVE: (
        "ChangeAvailability goes out with type Operative whatever the operator asked for"
    ),
    TRIGGER_WRONG_CONNECTOR: "TriggerMessage names the connector after the one asked for (+1)",
    METER_VALUES_CALLERROR: "MeterValues is answered with CALLERROR InternalError",
    FIRMWARE_STATUS_NOTIFICATION_NOT_IMPLEMENTED: (
        "FirmwareStatusNotification and DiagnosticsStatusNotification are answered with "
        "CALLERROR NotImplemented"
    ),
    REQUEST_NOT_SENT: (
        "every request the operator asks for is reported sent (200, empty response) but never sent"
    ),
    CHARGING_PROFILE_WITHOUT_VALIDITY: (
        "Absolute charging profiles go out without validFrom, validTo and startSchedule"
    ),
    CHARGING_PROFILE_UNIT_SWAPPED: (
        "SetChargingProfile sends chargingRateUnit W for A and A for W (limit unchanged)"
    ),
    TX_PROFILE_WRONG_TRANSACTION: "a TxProfile names the transactionId after the one meant (+1)",
    REMOTE_START_PROFILE_WITH_TRANSACTION_ID: (
        "RemoteStartTransaction's chargingProfile carries the CSMS's latest transactionId (or 1)"
    ),
    COMPOSITE_SCHEDULE_WITHOUT_UNIT: "GetCompositeSchedule goes out without chargingRateUnit",
    CLEAR_PROFILE_BY_ID_WITH_CRITERIA: (
        "ClearChargingProfile by id also names that profile's connectorId, purpose and stackLevel"
    ),
    FIRMWARE_LOCATION_REWRITTEN: (
        "UpdateFirmware names the CSMS's FTP mirror of the file instead of the location asked for"
    ),
    TRANSFER_FAILURE_UNHANDLED: (
        "a DownloadFailed, InstallationFailed or UploadFailed status notification is answered "
        "with CALLERROR InternalError"
    ),
    # -- issue 13: core
    REMOTE_START_WRONG_IDTAG: (
        "RemoteStartTransaction names the parent idTag instead of the one asked for"
    ),
    REMOTE_START_WRONG_CONNECTOR: (
        "RemoteStartTransaction names the connector after the one asked for (+1)"
    ),
    # -- issue 13: local list / reservation / firmware
    LOCAL_LIST_EMPTY: "SendLocalList goes out with an empty localAuthorizationList",
    BOOT_REJECTED_WHILE_INSTALLING: (
        "a BootNotification while a firmware installation is under way (the last "
        "FirmwareStatusNotification said Installing) is answered Rejected"
    ),
    CANCEL_LATEST_RESERVATION: (
        "CancelReservation names the charge point's latest reservation, not the "
        "reservationId the operator gave"
    ),
    RESERVE_WITHOUT_PARENT_ID_TAG: "ReserveNow leaves out the idTag's parentIdTag",
    # -- issue 13: smart charging / remote trigger
    CHARGING_PROFILE_WITHOUT_NUMBER_PHASES: (
        "charging schedule periods go out without numberPhases (the CSMS assumes three phases)"
    ),
    CHARGING_PROFILE_WITH_RECURRENCY: (
        "charging profiles go out with recurrencyKind Daily whatever their kind"
    ),
    NON_TX_PROFILE_WITH_TRANSACTION_ID: (
        "ChargePointMaxProfile and TxDefaultProfile profiles carry the charge point's latest "
        "transactionId (or 1)"
    ),
    RELATIVE_PROFILE_WITH_START_SCHEDULE: (
        "Relative charging profiles go out with chargingSchedule.startSchedule = now"
    ),
    CHARGING_PROFILE_ID_REUSED: (
        "a new charging profile gets the chargingProfileId of the charge point's latest one"
    ),
    TRIGGER_WRONG_MESSAGE: (
        "TriggerMessage asks for StatusNotification when the operator asks for MeterValues"
    ),
    SUBPROTOCOL_NOT_REQUIRED: (
        "a handshake that does not offer ocpp1.6 is upgraded anyway, with no subprotocol"
    ),
    SUBPROTOCOL_FIRST_OFFERED: (
        "the handshake selects the first subprotocol the charge point offers, whatever it is"
    ),
    BASIC_AUTH_NOT_REQUIRED: (
        "profiles 1 and 2: a handshake without an Authorization header is let in"
    ),
    AUTHORIZATION_KEY_NOT_STORED: (
        "a ChangeConfiguration AuthorizationKey the charge point accepted does not replace "
        "the stored password: the charge point's reconnection with it is refused (TC_073)"
    ),
    AUTHORIZATION_KEY_PLAINTEXT: (
        "ChangeConfiguration AuthorizationKey carries the new password itself, not its hex "
        "form (whitepaper §7; TC_073 2025-11)"
    ),
    BASIC_AUTH_HEX_PASSWORD: (
        "profiles 1 and 2: the password is compared in its hex form (as ChangeConfiguration "
        "AuthorizationKey carries it), so the plain password is refused"
    ),
    GET_LOG_DIAGNOSTICS_TYPE: "GetLog goes out with logType DiagnosticsLog whatever was asked",
    LOG_LOCATION_REWRITTEN: (
        "GetLog names the CSMS's other upload folder (FTP for HTTP) as log.remoteLocation"
    ),
    LOG_STATUS_NOTIFICATION_NOT_IMPLEMENTED: (
        "LogStatusNotification is answered with CALLERROR NotImplemented"
    ),
    INSTALL_CERTIFICATE_WRONG_TYPE: (
        "InstallCertificate goes out with the other certificateType (Manufacturer for "
        "Central System root and back)"
    ),
    INSTALL_CERTIFICATE_ALTERED: (
        "InstallCertificate carries another certificate than the operator gave (a fresh "
        "self-signed one with the same subject)"
    ),
    GET_INSTALLED_IDS_WRONG_TYPE: "GetInstalledCertificateIds asks for the other certificateType",
    DELETE_CERTIFICATE_WRONG_SERIAL: (
        "DeleteCertificate names the serialNumber after the one the charge point reported (+1)"
    ),
    DELETE_CERTIFICATE_FIRST_LISTED: (
        "DeleteCertificate names the first certificate the charge point listed (its TLS root) "
        "whatever the operator named"
    ),
    DELETE_CERTIFICATE_FIXED_ALGORITHM: (
        "DeleteCertificate says hashAlgorithm SHA256 whatever algorithm the charge point's "
        "hash data used"
    ),
    SECURITY_PROFILE_NOT_RAISED: (
        "ChangeConfiguration SecurityProfile carries the profile the charge point runs, not "
        "the raised one the operator asked for"
    ),
    SECURITY_PROFILE_NOT_ENFORCED: (
        "an accepted SecurityProfile raise is not stored: the charge point is still admitted "
        "in its old profile"
    ),
    TLS_STATIC_RSA_DISABLED: (
        "TLS offers no static-RSA suites: TLS_RSA_WITH_AES_128/256_GCM_SHA256/384 are refused"
    ),
    TLS_ECDSA_CERTIFICATE_MISSING: (
        "TLS serves the RSA server certificate only, so the ECDHE-ECDSA suites are refused"
    ),
    TLS_RSA_KEY_SHORT: (
        "the RSA server certificate has a 1024-bit key (served at OpenSSL security level 1)"
    ),
    TLS_SERVER_CN_MISMATCH: (
        "the server certificates' subject commonName is not the CSMS's host name (their "
        "subjectAltName still is, so they verify)"
    ),
    SIGNED_FIRMWARE_LOCATION_REWRITTEN: (
        "SignedUpdateFirmware names the CSMS's FTP mirror of the file instead of the location "
        "asked for"
    ),
    SIGNED_FIRMWARE_SIGNATURE_TRUNCATED: (
        "SignedUpdateFirmware's firmware.signature is cut to its first 256 characters (a "
        "column too short for an RSA-2048 signature)"
    ),
    SIGNED_FIRMWARE_CERTIFICATE_UNARMOURED: (
        "SignedUpdateFirmware's firmware.signingCertificate goes out as bare Base64, without "
        "the PEM BEGIN/END lines"
    ),
    SIGNED_FIRMWARE_STATUS_NOTIFICATION_NOT_IMPLEMENTED: (
        "SignedFirmwareStatusNotification is answered with CALLERROR NotImplemented"
    ),
    SECURITY_EVENT_NOTIFICATION_NOT_IMPLEMENTED: (
        "SecurityEventNotification is answered with CALLERROR NotImplemented"
    ),
    STATUS_UNAVAILABLE_CALLERROR: (
        "a StatusNotification with status Unavailable is answered with CALLERROR InternalError"
    ),
    EXTENDED_TRIGGER_WITH_CONNECTOR_ID: (
        "ExtendedTriggerMessage without a connectorId goes out with connectorId 0 (TC_074, TC_077)"
    ),
    SIGN_CERTIFICATE_REJECTED: "SignCertificate is answered Rejected, even for a good CSR",
    CERTIFICATE_SIGNED_NEVER_SENT: (
        "SignCertificate is answered Accepted, but no CertificateSigned follows"
    ),
    CERTIFICATE_SIGNED_OTHER_KEY: (
        "CertificateSigned carries a certificate for a key of the CSMS's own, with the CSR's "
        "subject, not for the CSR's key"
    ),
    SIGNED_CERTIFICATE_NOT_TRUSTED: (
        "the TLS listener does not trust the CA that signs CSRs: a charge point that "
        "reconnects with the certificate it was given is refused (TC_074)"
    ),
}


class UnknownFault(ValueError):
    """A case's fault entry names something that is no fault (``name``)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def switched_on(entry: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A case's fault entry: one fault, or faults and legal variations joined by ``+`` (a
    CSMS with all of them, e.g. ``remote-stop-names-running+drop-on-negative-answer``): its
    faults and its variations. Raises UnknownFault naming a part that is neither, or the
    entry when it names variations only."""
    parts = entry.split("+")
    unknown = [part for part in parts if part not in FAULTS and part not in VARIATIONS]
    if unknown:
        raise UnknownFault(
            unknown[0],
            f"{', '.join(map(repr, unknown))} is neither a fault nor a variation of the "
            "reference CSMS (csms-under-test --list-faults, --list-variations)",
        )
    if not any(part in FAULTS for part in parts):
        raise UnknownFault(entry, f"{entry!r} names no fault, only variations")
    faults = tuple(part for part in parts if part in FAULTS)
    return faults, tuple(part for part in parts if part in VARIATIONS)


class Faults(Switches):
    """The set of faults switched on; ``"reject-boot" in faults``."""

    catalogue: ClassVar[dict[str, str]] = FAULTS
    noun: ClassVar[str] = "fault"


# -- issue 13: smart charging / remote trigger
# Faults a case catches only under some PICS values, so no case file can name them (the
# mutation run uses one PICS): fault -> the case and the PICS value that catch it, proven
# by tests/csms/test_issue13_smart_charging.py.
PICS_DEPENDENT_FAULTS: dict[str, str] = {
    CHARGING_PROFILE_WITHOUT_NUMBER_PHASES: (
        "TC_056_CSMS with smart_charging.number_phases other than 3 (3 may be omitted)"
    ),
}
