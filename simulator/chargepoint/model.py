"""The virtual charge point's state and behaviour, free of I/O.

The runner asks the model to *build* each request (defaults filled from state, fields a
case gives override them), tells it what was sent and what the CSMS answered, and asks it
for the *default answer* to every CSMS request (which a case may override). Payloads are
the camelCase dicts of the wire.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocppj.errors import ErrorCode
from simulator.chargepoint.authorization_key import without_secrets
from simulator.chargepoint.certificates import CertificateStore, certificate_keys
from simulator.chargepoint.configuration import ConfigKey, core_keys
from simulator.chargepoint.diagnostics import TransferRecord, compact_json, diagnostics_file_name
from simulator.chargepoint.firmware_signature import SignatureCheck, signing_certificate
from simulator.chargepoint.local_list import LocalList
from simulator.chargepoint.renewal import (
    SIGN_CHARGE_POINT_CERTIFICATE,
    PendingRequest,
    chain_problem,
    extended_trigger_status,
    new_request,
)
from simulator.chargepoint.reservations import Reservation
from simulator.chargepoint.smart_charging import DEFAULT_PHASES, ProfileStore, convert
from simulator.clock import Clock, ocpp_timestamp
from simulator.config import ChargePointConfig

# Feature profiles this charge point implements (OCPP 1.6 §3 / SupportedFeatureProfiles).
SUPPORTED_FEATURE_PROFILES = (
    "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"
)


# OCPP 1.6 §5.17 MessageTrigger values this charge point sends on request.
TRIGGERABLE = frozenset(
    {
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    }
)


def parse_timestamp(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Connector:
    id: int
    status: str = "Available"
    error_code: str = "NoError"
    register_wh: float = 0.0  # energy meter register, Wh
    plugged: bool = False  # a cable is in
    pending_id_tag: str | None = None  # authorized, waiting for the cable
    reported_status: str | None = None  # the last status the CSMS was told
    pending_profile: dict[str, Any] | None = None  # RemoteStartTransaction's chargingProfile


@dataclass(frozen=True)
class Hardware:
    """Physical properties a case may set (`setup:`): they decide the model's answers."""

    fixed_cable: bool = False  # UnlockConnector -> NotSupported (TC_017_2)
    unlock_fails: bool = False  # UnlockConnector -> UnlockFailed (TC_030)
    lock_fails: bool = False  # plugging in -> Faulted ConnectorLockFailure (TC_024)
    connector_faulted: bool = False  # ReserveNow -> Faulted (TC_048_1)
    rejects_reservations: bool = False  # ReserveNow -> Rejected (TC_048_4)
    local_list_supported: bool = True  # GetLocalListVersion -1, SendLocalList NotSupported
    local_list_update_fails: bool = False  # SendLocalList -> Failed (TC_043_3)
    firmware_install_fails: bool = False  # a downloaded image -> InstallationFailed (TC_044_3)
    rejects_certificates: bool = False  # InstallCertificate -> Rejected, any certificate (TC_078)


HARDWARE_FLAGS: tuple[str, ...] = tuple(Hardware.__dataclass_fields__)


@dataclass(frozen=True)
class QueuedMessage:
    """A transaction message built while offline, delivered in order on reconnect."""

    action: str
    fields: dict[str, Any]
    local_id: int | None = None  # for a StartTransaction: the id used until the CSMS gives one


@dataclass
class Transaction:
    transaction_id: int
    connector_id: int
    id_tag: str
    meter_start: int
    started_at: float  # monotonic seconds
    accepted: bool = True  # the CSMS accepted its idTag
    parent_id_tag: str | None = None  # StartTransaction.conf idTagInfo, else the cache's
    started: datetime | None = None  # wall time, for Relative charging profiles (§3.13)


@dataclass(frozen=True)
class Answer:
    """The charge point's answer to a CSMS request: a CALLRESULT payload or a CALLERROR."""

    payload: dict[str, Any] | None = None
    error: ErrorCode | None = None
    description: str = ""


@dataclass
class ChargePoint:
    config: ChargePointConfig
    clock: Clock
    power_w: float = 7400.0  # what the simulated EV draws while charging
    connectors: dict[int, Connector] = field(init=False)
    transactions: dict[int, Transaction] = field(init=False, default_factory=dict)
    configuration: dict[str, ConfigKey] = field(init=False)
    auth_cache: dict[str, dict[str, Any]] = field(init=False, default_factory=dict)
    connection_timeout: float = 30.0  # ConnectionTimeOut, from the PICS
    hardware: Hardware = field(default_factory=Hardware)
    offline: bool = field(init=False, default=False)
    queue: list[QueuedMessage] = field(init=False, default_factory=list)
    _local_ids: int = field(init=False, default=0)
    _delivered: dict[int, int] = field(init=False, default_factory=dict)
    _delivering: int | None = field(init=False, default=None)
    local_list: LocalList = field(init=False)
    smart_charging: ProfileStore = field(init=False)
    reservations: dict[int, Reservation] = field(init=False, default_factory=dict)
    expiry_wait_cap: float = 300.0  # never wait longer for a reservation to expire
    transfer_wait_cap: float = 60.0  # never wait longer for a retrieveDate or retryInterval
    reboot_time: float = 10.0  # a reboot or power cycle lasts this long (PICS timing.reboot)
    firmware_version: str = field(init=False)  # changes when an UpdateFirmware installs
    transfers: list[TransferRecord] = field(init=False, default_factory=list)
    # Each firmware signature verification, in order (SignedUpdateFirmware; TC_080, TC_081).
    signature_checks: list[SignatureCheck] = field(init=False, default_factory=list)
    events: list[tuple[datetime, str]] = field(init=False, default_factory=list)  # the log
    # The HTTP Basic password once the CSMS changed it (ChangeConfiguration AuthorizationKey,
    # hex-decoded; TC_073); None: the configured one (security.password).
    basic_auth_password: bytes | None = field(init=False, default=None)
    # The client certificate chain and key (PEM) once the CSMS signed one (CertificateSigned,
    # TC_074); None: the configured one (security.client_certificate).
    client_certificate: tuple[bytes, bytes] | None = field(init=False, default=None, repr=False)
    # SecurityProfile was raised and the charge point has not reconnected in it yet.
    profile_raised: bool = field(init=False, default=False)
    certificates: CertificateStore = field(init=False)  # installed roots (whitepaper M03-M05)
    # The CSR of a SignChargePointCertificate still waiting for its certificate: it holds the
    # new key (TC_074, chargepoint.renewal).
    renewal: PendingRequest | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.firmware_version = self.config.firmware_version
        self.connectors = {
            i: Connector(i, register_wh=float(self.config.meter_start_wh))
            for i in range(self.config.connectors + 1)
        }
        self.configuration = core_keys(self.config.connectors, SUPPORTED_FEATURE_PROFILES)
        self.configuration["ConnectionTimeOut"].value = f"{self.connection_timeout:g}"
        self.configuration.update(certificate_keys())
        self.certificates = CertificateStore(rejects_all=self.hardware.rejects_certificates)
        self.smart_charging = ProfileStore(self.config.connectors)
        self.local_list = LocalList(
            supported=self.hardware.local_list_supported,
            update_fails=self.hardware.local_list_update_fails,
        )

    @property
    def security_profile(self) -> int:
        """The profile the charge point connects in: its SecurityProfile key (whitepaper §2)."""
        return int(self.configuration["SecurityProfile"].value)

    # -- reservations (OCPP 1.6 §3.11) ----------------------------------------------------
    def reservation_on(self, connector_id: int) -> Reservation | None:
        return next((r for r in self.reservations.values() if r.connector_id == connector_id), None)

    def reservation_status(self, connector_id: int) -> str:
        """ReserveNow.conf status for a connector (OCPP 1.6 §5.13)."""
        if self.hardware.rejects_reservations or not self._valid_connector(
            connector_id, allow_zero=True
        ):
            return "Rejected"
        if connector_id == 0 and not self.flag("ReserveConnectorZeroSupported"):
            return "Rejected"
        target = self.connectors[connector_id or self.config.connector_id]
        if self.hardware.connector_faulted or target.status == "Faulted":
            return "Faulted"
        if target.status == "Unavailable":
            return "Unavailable"
        busy = (
            target.plugged
            or self.transaction_on(target.id)
            or target.status not in ("Available", "Reserved")
        )
        return "Occupied" if busy else "Accepted"

    def reserve(self, payload: dict[str, Any]) -> Reservation:
        requested = int(payload["connectorId"])
        reservation = Reservation(
            reservation_id=int(payload["reservationId"]),
            connector_id=requested or self.config.connector_id,
            requested_connector=requested,
            id_tag=str(payload["idTag"]),
            parent_id_tag=payload.get("parentIdTag"),
            expiry=parse_timestamp(str(payload["expiryDate"])),
        )
        self.reservations[reservation.reservation_id] = reservation
        return reservation

    def reservation_for(self, connector_id: int, id_tag: str) -> Reservation | None:
        """The reservation a transaction of ``id_tag`` on ``connector_id`` fulfils."""
        reservation = self.reservation_on(connector_id)
        parent = self.auth_cache.get(id_tag, {}).get("parentIdTag")
        return reservation if reservation and reservation.serves(id_tag, parent) else None

    def flag(self, key: str) -> bool:
        """A boolean configuration key (OCPP 1.6 §9)."""
        return self.configuration[key].value.lower() == "true"

    def cached_accepted(self, id_tag: str) -> bool:
        return self.auth_cache.get(id_tag, {}).get("status") == "Accepted"

    def known_locally(self, id_tag: str) -> bool:
        """Accepted in the cache or, with LocalAuthListEnabled, in the local list (§3.5)."""
        in_list = self.flag("LocalAuthListEnabled") and self.local_list.accepts(id_tag)
        return self.cached_accepted(id_tag) or in_list

    def authorized_offline(self, id_tag: str) -> bool:
        """OCPP 1.6 §3.5 / §9.1: LocalAuthorizeOffline trusts the cache;
        AllowOfflineTxForUnknownId lets any idTag start."""
        cached = self.flag("LocalAuthorizeOffline") and self.known_locally(id_tag)
        return cached or self.flag("AllowOfflineTxForUnknownId")

    # -- offline operation -------------------------------------------------------------
    def queue_message(
        self, action: str, fields: dict[str, Any], local_id: int | None = None
    ) -> None:
        self.queue.append(QueuedMessage(action, self.build_request(action, fields), local_id))

    def start_offline_transaction(self, connector_id: int, id_tag: str) -> None:
        """Start while offline: the StartTransaction is queued (with the time it really
        started) and the transaction runs under a local id until the CSMS gives one."""
        self._local_ids -= 1
        local_id = self._local_ids
        self.queue_message(
            "StartTransaction", {"connectorId": connector_id, "idTag": id_tag}, local_id
        )
        self.transactions[local_id] = Transaction(
            local_id,
            connector_id,
            id_tag,
            self.meter_wh(connector_id),
            self.clock.monotonic(),
            accepted=False,
        )

    def delivered_id(self, transaction_id: int) -> int:
        return self._delivered.get(transaction_id, transaction_id)

    def delivering(self, local_id: int | None) -> None:
        """The next StartTransaction answer belongs to the queued transaction ``local_id``."""
        self._delivering = local_id

    def _adopt(self, local_id: int, real_id: int) -> None:
        """The CSMS answered a queued StartTransaction: the local id becomes its id, at once,
        so that nothing (a failed check, a teardown) can stop the transaction by its local id."""
        local = self.transactions.pop(local_id, None)
        self._delivered[local_id] = real_id
        delivered = self.transactions.get(real_id)
        if local is not None and delivered is not None:
            delivered.started_at = local.started_at
        elif delivered is not None:
            # stopped while offline: it does not run; its queued StopTransaction follows
            self.transactions.pop(real_id)

    def restart(self, keep_transactions: bool = False) -> None:
        """A reboot: connectors forget authorizations and what the CSMS was told."""
        for connector in self.connectors.values():
            connector.pending_id_tag = None
            connector.reported_status = None
            connector.status = "Available"
        if not keep_transactions:
            self.transactions.clear()

    # -- state ------------------------------------------------------------------------
    def meter_wh(self, connector_id: int) -> int:
        """Energy register of a connector; it rises at power_w while a transaction runs."""
        connector = self.connectors[connector_id]
        transaction = self.transaction_on(connector_id)
        if transaction is None:
            return int(connector.register_wh)
        hours = (self.clock.monotonic() - transaction.started_at) / 3600.0
        return int(connector.register_wh + self.power_w * hours)

    def transaction_on(self, connector_id: int) -> Transaction | None:
        return next((t for t in self.transactions.values() if t.connector_id == connector_id), None)

    def timestamp(self) -> str:
        return ocpp_timestamp(self.clock.now(), self.config.timestamp_milliseconds)

    # -- requests the charge point sends ---------------------------------------------
    def build_request(self, action: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Default payload for ``action`` from the model's state, overridden by ``fields``.
        A field given as None is left out of the payload."""
        builder = self._builders().get(action)
        defaults = builder(fields) if builder else {}
        merged = {**defaults, **fields}
        return {key: value for key, value in merged.items() if value is not None}

    def _builders(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "BootNotification": lambda f: {
                "chargePointVendor": self.config.vendor,
                "chargePointModel": self.config.model,
                "chargePointSerialNumber": self.config.serial_number,
                "firmwareVersion": self.firmware_version,
            },
            "StatusNotification": lambda f: {
                "connectorId": self.config.connector_id,
                "errorCode": "NoError",
                "status": "Available",
                "timestamp": self.timestamp(),
            },
            "StartTransaction": self._start_defaults,
            "StopTransaction": self._stop_defaults,
            "MeterValues": self._meter_values_defaults,
        }

    def _start_defaults(self, fields: dict[str, Any]) -> dict[str, Any]:
        connector_id = int(fields.get("connectorId", self.config.connector_id))
        payload: dict[str, Any] = {
            "connectorId": connector_id,
            "meterStart": self.meter_wh(connector_id),
            "timestamp": self.timestamp(),
        }
        reservation = self.reservation_for(connector_id, str(fields.get("idTag", "")))
        if reservation is not None:
            payload["reservationId"] = reservation.reservation_id  # OCPP 1.6 §4.8
        return payload

    def _stop_defaults(self, fields: dict[str, Any]) -> dict[str, Any]:
        transaction = self.transactions.get(fields.get("transactionId", -1)) or next(
            iter(self.transactions.values()), None
        )
        if transaction is None:
            return {"timestamp": self.timestamp(), "meterStop": self.meter_wh(0)}
        return {
            "transactionId": transaction.transaction_id,
            "idTag": transaction.id_tag,
            "meterStop": self.meter_wh(transaction.connector_id),
            "timestamp": self.timestamp(),
        }

    def _meter_values_defaults(self, fields: dict[str, Any]) -> dict[str, Any]:
        connector_id = int(fields.get("connectorId", self.config.connector_id))
        transaction = self.transaction_on(connector_id)
        sample = {
            "value": str(self.meter_wh(connector_id)),
            "context": "Sample.Periodic",
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
        }
        payload: dict[str, Any] = {
            "connectorId": connector_id,
            "meterValue": [{"timestamp": self.timestamp(), "sampledValue": [sample]}],
        }
        if transaction:
            payload["transactionId"] = transaction.transaction_id
        return payload

    def log(self, event: str) -> None:
        """Note an event in the charge point's log (what GetDiagnostics uploads)."""
        self.events.append((self.clock.now(), event))

    def on_request_sent(self, action: str, payload: dict[str, Any]) -> None:
        self.log(f"sent {action}.req {compact_json(payload)}")
        if action == "StatusNotification" and payload.get("connectorId") in self.connectors:
            connector = self.connectors[payload["connectorId"]]
            connector.status = str(payload.get("status", connector.status))
            connector.error_code = str(payload.get("errorCode", connector.error_code))
            connector.reported_status = connector.status

    def on_response(self, action: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Update state from the CSMS's answer to one of our requests."""
        self.log(f"received {action}.conf {compact_json(response)}")
        id_tag_info = response.get("idTagInfo")
        if isinstance(id_tag_info, dict) and "idTag" in request:
            # OCPP 1.6 §3.5.1: the cache keeps the latest IdTagInfo from Authorize,
            # StartTransaction and StopTransaction answers.
            self.auth_cache[str(request["idTag"])] = dict(id_tag_info)
        if (
            action == "Authorize"
            and isinstance(id_tag_info, dict)
            and id_tag_info.get("status") == "Accepted"
        ):
            # The driver is authorized: the charge point waits for the cable
            # (ConnectionTimeOut) on the configured connector, unless it is in use.
            connector = self.connectors[self.config.connector_id]
            if self.transaction_on(connector.id) is None and not connector.plugged:
                connector.pending_id_tag = str(request.get("idTag"))
        if action == "StartTransaction" and isinstance(response.get("transactionId"), int):
            local_id, self._delivering = self._delivering, None
            connector_id = int(request["connectorId"])
            self.connectors[connector_id].pending_id_tag = None
            self.connectors[connector_id].plugged = True  # a transaction means the cable is in
            self.connectors[connector_id].register_wh = float(request.get("meterStart", 0))
            self.transactions[response["transactionId"]] = Transaction(
                transaction_id=response["transactionId"],
                connector_id=connector_id,
                id_tag=str(request.get("idTag", "")),
                meter_start=int(request.get("meterStart", 0)),
                started_at=self.clock.monotonic(),
                accepted=isinstance(id_tag_info, dict) and id_tag_info.get("status") == "Accepted",
                # StartTransaction.conf may leave parentIdTag out: the one the cache keeps
                # from the idTag's Authorize.conf then counts (OCPP 1.6 §3.5.1; TC_053).
                parent_id_tag=(
                    id_tag_info.get("parentIdTag") if isinstance(id_tag_info, dict) else None
                )
                or self.auth_cache.get(str(request.get("idTag", "")), {}).get("parentIdTag"),
                started=self.clock.now(),
            )
            profile = self.connectors[connector_id].pending_profile
            if profile is not None:
                # RemoteStartTransaction's TxProfile applies to the transaction it started (§5.11).
                transaction_id = response["transactionId"]
                profile = {**profile, "transactionId": transaction_id}
                self.smart_charging.set(connector_id, profile, (connector_id, transaction_id))
                self.connectors[connector_id].pending_profile = None
            self.reservations.pop(request.get("reservationId", -1), None)  # fulfilled
            if local_id is not None:
                self._adopt(local_id, response["transactionId"])
        elif action == "StopTransaction":
            self.end_transaction(request.get("transactionId"), request.get("meterStop"))

    def end_transaction(self, transaction_id: Any, meter_stop: Any = None) -> None:
        transaction = (
            self.transactions.pop(transaction_id, None) if transaction_id is not None else None
        )
        if isinstance(transaction_id, int):
            self.smart_charging.end_transaction(transaction_id)  # TxProfiles end with it
        if transaction is not None:
            connector = self.connectors[transaction.connector_id]
            stop = meter_stop if isinstance(meter_stop, int) else None
            connector.register_wh = float(stop) if stop is not None else connector.register_wh

    # -- answers to CSMS requests -----------------------------------------------------
    def answer(self, action: str, payload: dict[str, Any]) -> Answer:
        """The default answer to a CSMS request (a case may script another)."""
        self.log(f"received {action}.req {compact_json(without_secrets(action, payload))}")
        handler = getattr(self, f"_answer_{action}", None)
        if handler is None:
            return Answer(error=ErrorCode.NOT_SUPPORTED, description=f"{action} is not supported")
        result: Answer = handler(payload)
        return result

    def _valid_connector(self, connector_id: Any, *, allow_zero: bool) -> bool:
        return isinstance(connector_id, int) and (
            (allow_zero and connector_id == 0) or 1 <= connector_id <= self.config.connectors
        )

    def _answer_RemoteStartTransaction(self, payload: dict[str, Any]) -> Answer:
        connector_id = payload.get("connectorId", self.config.connector_id)
        busy = not self._valid_connector(connector_id, allow_zero=False) or self.transaction_on(
            connector_id
        )
        return Answer({"status": "Rejected" if busy else "Accepted"})

    def _answer_RemoteStopTransaction(self, payload: dict[str, Any]) -> Answer:
        known = payload.get("transactionId") in self.transactions
        return Answer({"status": "Accepted" if known else "Rejected"})

    def _answer_Reset(self, payload: dict[str, Any]) -> Answer:
        return Answer({"status": "Accepted"})

    def _answer_UnlockConnector(self, payload: dict[str, Any]) -> Answer:
        # OCPP 1.6 §5.18: NotSupported for an unknown connector or a fixed cable.
        if self.hardware.fixed_cable or not self._valid_connector(
            payload.get("connectorId"), allow_zero=False
        ):
            return Answer({"status": "NotSupported"})
        return Answer({"status": "UnlockFailed" if self.hardware.unlock_fails else "Unlocked"})

    def _answer_ChangeAvailability(self, payload: dict[str, Any]) -> Answer:
        connector_id = payload.get("connectorId")
        if not self._valid_connector(connector_id, allow_zero=True):
            return Answer({"status": "Rejected"})
        busy = (connector_id == 0 and self.transactions) or self.transaction_on(
            int(str(connector_id))
        )
        return Answer({"status": "Scheduled" if busy else "Accepted"})

    def _answer_GetConfiguration(self, payload: dict[str, Any]) -> Answer:
        readable = {k: c for k, c in self.configuration.items() if not c.writeonly}
        wanted = payload.get("key") or list(readable)
        known = [k for k in wanted if k in readable]
        unknown = [k for k in wanted if k not in readable]
        result: dict[str, Any] = {
            "configurationKey": [
                {
                    "key": k,
                    "readonly": readable[k].readonly,
                    "value": readable[k].value,
                }
                for k in known
            ]
        }
        if unknown:
            result["unknownKey"] = unknown
        return Answer(result)

    def _answer_ChangeConfiguration(self, payload: dict[str, Any]) -> Answer:
        key = self.configuration.get(str(payload.get("key")))
        value = str(payload.get("value"))
        if key is None:
            return Answer({"status": "NotSupported"})
        if key.readonly or (key.validate is not None and not key.validate(value)):
            return Answer({"status": "Rejected"})
        if payload.get("key") == "SecurityProfile":
            # Whitepaper §7, A05: the profile may only be raised; it takes effect on the
            # next connection (TC_083: after the Reset), which the CSMS must then accept.
            if int(value) <= self.security_profile:
                return Answer({"status": "Rejected"})
            self.profile_raised = True
        key.value = value
        return Answer({"status": "Accepted"})

    def _answer_ClearCache(self, payload: dict[str, Any]) -> Answer:
        self.auth_cache.clear()
        return Answer({"status": "Accepted"})

    def _answer_DataTransfer(self, payload: dict[str, Any]) -> Answer:
        return Answer({"status": "UnknownVendorId"})

    def _answer_GetLocalListVersion(self, payload: dict[str, Any]) -> Answer:
        return Answer({"listVersion": self.local_list.current_version()})

    def _answer_SendLocalList(self, payload: dict[str, Any]) -> Answer:
        return Answer({"status": self.local_list.update(payload)})

    def _answer_ReserveNow(self, payload: dict[str, Any]) -> Answer:
        # The reservation itself is made when the charge point acts on it (reaction).
        return Answer({"status": self.reservation_status(int(payload.get("connectorId", -1)))})

    def _answer_CancelReservation(self, payload: dict[str, Any]) -> Answer:
        known = payload.get("reservationId") in self.reservations
        return Answer({"status": "Accepted" if known else "Rejected"})

    def _answer_TriggerMessage(self, payload: dict[str, Any]) -> Answer:
        """OCPP 1.6 §5.17: Accepted for a message this charge point can send, Rejected for a
        connector it does not have."""
        if payload.get("requestedMessage") not in TRIGGERABLE:
            return Answer({"status": "NotImplemented"})
        connector_id = payload.get("connectorId")
        if connector_id is not None and not self._valid_connector(connector_id, allow_zero=True):
            return Answer({"status": "Rejected"})
        return Answer({"status": "Accepted"})

    def _answer_SetChargingProfile(self, payload: dict[str, Any]) -> Answer:
        """OCPP 1.6 §5.16: stored by purpose, stack level and connector, or Rejected."""
        connector_id = int(payload.get("connectorId", -1))
        if not self._valid_connector(connector_id, allow_zero=True):
            return Answer({"status": "Rejected"})
        transaction = self.transaction_on(connector_id) if connector_id else None
        running = (connector_id, transaction.transaction_id) if transaction else None
        status = self.smart_charging.set(connector_id, payload["csChargingProfiles"], running)
        return Answer({"status": status})

    def _rated_schedule(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """With no profile in force the charge point can still charge at its rating: the
        composite is that one period (catalog TC_066: the tool returns a schedule). None
        for a unit the charge point does not use."""
        limits = self.smart_charging.limits
        unit = payload.get("chargingRateUnit") or limits.allowed_units[0]
        if unit not in limits.allowed_units:
            return None
        rated = convert(limits.rated_current, "A", unit, DEFAULT_PHASES)
        return {
            "duration": int(payload.get("duration", 0)),
            "startSchedule": self.timestamp(),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": rated, "numberPhases": DEFAULT_PHASES}
            ],
        }

    def _answer_ClearChargingProfile(self, payload: dict[str, Any]) -> Answer:
        return Answer({"status": self.smart_charging.clear(payload)})

    def _answer_GetCompositeSchedule(self, payload: dict[str, Any]) -> Answer:
        """OCPP 1.6 §5.7: the composite of the installed profiles over ``duration``."""
        connector_id = int(payload.get("connectorId", -1))
        if not self._valid_connector(connector_id, allow_zero=True):
            return Answer({"status": "Rejected"})
        transaction = self.transaction_on(connector_id) if connector_id else None
        schedule = self.smart_charging.composite(
            connector_id,
            int(payload.get("duration", 0)),
            payload.get("chargingRateUnit"),
            self.clock.now(),
            transaction.started if transaction else None,
        )
        if schedule is None:
            schedule = self._rated_schedule(payload)
        if schedule is None:
            return Answer({"status": "Rejected"})
        return Answer(
            {
                "status": "Accepted",
                "connectorId": connector_id,
                "scheduleStart": self.timestamp(),
                "chargingSchedule": schedule,
            }
        )

    def _answer_UpdateFirmware(self, payload: dict[str, Any]) -> Answer:
        return Answer({})

    def _answer_GetDiagnostics(self, payload: dict[str, Any]) -> Answer:
        # OCPP 1.6 §5.9: the name of the file the charge point will upload.
        return Answer({"fileName": diagnostics_file_name(self.config.id, self.clock.now())})

    def _answer_GetLog(self, payload: dict[str, Any]) -> Answer:
        # Security whitepaper N01: Accepted, and the name of the file the upload will store
        # (the upload itself: chargepoint.security_log, a reaction).
        kind = "security-log" if payload.get("logType") == "SecurityLog" else "diagnostics"
        name = diagnostics_file_name(self.config.id, self.clock.now(), kind)
        return Answer({"status": "Accepted", "filename": name})

    # -- certificate management (Security whitepaper M03-M05; simulator.chargepoint.certificates)
    def _answer_InstallCertificate(self, payload: dict[str, Any]) -> Answer:
        status = self.certificates.install(
            str(payload.get("certificateType")),
            str(payload.get("certificate", "")),
            now=self.clock.now(),
            max_length=int(self.configuration["CertificateStoreMaxLength"].value),
            additional_root_check=self.flag("AdditionalRootCertificateCheck"),
        )
        return Answer({"status": status})

    def _answer_GetInstalledCertificateIds(self, payload: dict[str, Any]) -> Answer:
        found = self.certificates.hash_data_of(str(payload.get("certificateType")))
        if not found:
            return Answer({"status": "NotFound"})
        return Answer({"status": "Accepted", "certificateHashData": found})

    def _answer_DeleteCertificate(self, payload: dict[str, Any]) -> Answer:
        given = payload.get("certificateHashData")
        status = self.certificates.delete(given if isinstance(given, dict) else {})
        return Answer({"status": status})

    def _answer_SignedUpdateFirmware(self, payload: dict[str, Any]) -> Answer:
        # Security whitepaper L01: a signing certificate that is no PEM X.509 certificate is
        # InvalidCertificate; else Accepted, and the update follows (chargepoint.signed_firmware).
        firmware = payload.get("firmware")
        pem = firmware.get("signingCertificate") if isinstance(firmware, dict) else None
        if signing_certificate(pem) is None:
            self.log("SignedUpdateFirmware: the signingCertificate is no PEM X.509 certificate")
            return Answer({"status": "InvalidCertificate"})
        return Answer({"status": "Accepted"})

    def _answer_ExtendedTriggerMessage(self, payload: dict[str, Any]) -> Answer:
        # Security whitepaper F06; accepting SignChargePointCertificate makes a new key pair
        # and CSR (A02, chargepoint.renewal), sent by the reaction.
        message = payload.get("requestedMessage")
        status = extended_trigger_status(
            message, payload.get("connectorId"), self.config.connectors
        )
        if status == "Accepted" and message == SIGN_CHARGE_POINT_CERTIFICATE:
            serial = self.config.serial_number or self.config.id
            self.renewal = new_request(serial, self.configuration["CpoName"].value)
        return Answer({"status": status})

    def _answer_CertificateSigned(self, payload: dict[str, Any]) -> Answer:
        # Whitepaper A02: Accepted only for a chain that certifies the pending CSR's key.
        return Answer({"status": "Rejected" if self.certificate_problem(payload) else "Accepted"})

    def certificate_problem(self, payload: dict[str, Any]) -> str | None:
        """Why CertificateSigned.req's chain cannot be installed, or None."""
        limit = self.configuration["CertificateSignedMaxChainSize"].value
        chain = payload.get("certificateChain")
        if not isinstance(chain, str):
            return "no certificateChain"
        return chain_problem(chain, self.renewal, int(limit) if limit.isdigit() else 10000)

    def facts(self) -> dict[str, Any]:
        """What the charge point made that a case may save (`save: {name: charge_point.X}`):
        the CSR of its pending certificate renewal (TC_074, TC_077)."""
        return {"csr": self.renewal.csr_pem} if self.renewal is not None else {}
