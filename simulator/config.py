"""Harness configuration: what the vendor declares and the test data the CSMS must hold.

Loaded from a YAML file (documented in docs/pics.md); every key has a default, so
an empty file or no file at all is a valid configuration. Unknown keys and wrong types are
rejected with the file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.yamlsource import YamlDocument, YamlSourceError, load_yaml_file, schema_errors

# OCPP 1.6 §3 feature profiles, spelled as SupportedFeatureProfiles spells them.
FEATURE_PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)
# Not an OCPP 1.6 feature profile: declares the Security whitepaper block (catalog §11).
SECURITY_FEATURE = "Security"
SECURITY_PROFILES = (0, 1, 2, 3)  # Security whitepaper §2; 0: none (a test bench)
# What each profile means on the wire (Security whitepaper §2), for reports and instructions.
SECURITY_PROFILE_NAMES = {
    0: "none",
    1: "HTTP Basic authentication",
    2: "TLS with HTTP Basic authentication",
    3: "TLS with client certificates",
}

# The roots the certificate cases install (catalog §11.0 c): PICS key -> what it is.
ROOT_CERTIFICATE_KEYS = {
    "manufacturer_root_certificate": "the <Configured root certificate> of TC_075_1, "
    "installed as ManufacturerRootCertificate",
    "central_system_root_certificate": "Root 2, the second Central System root of TC_075_2, "
    "TC_076 and TC_078, installed as CentralSystemRootCertificate",
}
HASH_ALGORITHMS = ("SHA256", "SHA384", "SHA512")  # Security whitepaper HashAlgorithmEnumType

_POSITIVE = {"type": "number", "exclusiveMinimum": 0}
_ID_TAG = {
    "type": "string",
    "minLength": 1,
    "maxLength": 20,
    "description": "OCPP IdToken: 1-20 characters",
}

_BASE64_SIGNATURE = {"type": "string", "pattern": "^[A-Za-z0-9+/]+={0,2}$", "maxLength": 800}
# Signed firmware material (catalog §11.0 c; TC_080, TC_081): empty with the bundled CSMS,
# which makes its own at run start (simulator.firmware_signing).
_FIRMWARE_SIGNING_KEYS: dict[str, Any] = {
    "firmware_signature": {
        **_BASE64_SIGNATURE,
        "description": "Base64 signature of the file at file_transfer.signed_firmware_location "
        "(at most 800 characters; TC_080)",
    },
    "firmware_signing_certificate": {
        "type": "string",
        "minLength": 1,
        "description": "PEM file (path relative to this file) of the certificate whose key made "
        "security.firmware_signature (TC_080)",
    },
    "invalid_firmware_signature": {
        **_BASE64_SIGNATURE,
        "description": "a Base64 signature that does not verify (TC_081); default: "
        "security.firmware_signature with its last byte changed",
    },
}

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "edition": {
            "enum": list(EDITIONS),
            "description": "the OCTT Test Case Document edition the cases follow "
            f"(default {DEFAULT_EDITION}): " + ", ".join(EDITIONS),
        },
        "sut": {
            "type": "object",
            "additionalProperties": False,
            "description": "the CSMS under test, as it appears in the report",
            "properties": {
                "vendor": {"type": "string"},
                "product": {"type": "string"},
                "software_version": {"type": "string"},
                "feature_profiles": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"enum": [*FEATURE_PROFILES, SECURITY_FEATURE]},
                    "contains": {"const": "Core"},
                    "description": "the OCPP 1.6 feature profiles the CSMS supports; Core is mandatory. "
                    "Allowed: " + ", ".join(FEATURE_PROFILES) + f", and {SECURITY_FEATURE} "
                    "for the Security whitepaper block (with a security section)",
                },
            },
        },
        "charge_point": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "id": {
                    "type": "string",
                    "pattern": "^[^/?#\\s]+$",
                    "description": "the last URL path segment",
                },
                "vendor": {"type": "string", "minLength": 1, "maxLength": 20},
                "model": {"type": "string", "minLength": 1, "maxLength": 20},
                "serial_number": {"type": "string", "maxLength": 25},
                "firmware_version": {"type": "string", "maxLength": 50},
                "connectors": {"type": "integer", "minimum": 1, "maximum": 32},
                "connector_id": {"type": "integer", "minimum": 1},
                "meter_start_wh": {"type": "integer", "minimum": 0},
                "timestamp_milliseconds": {
                    "type": "boolean",
                    "description": "whether the charge point's timestamps carry milliseconds",
                },
            },
        },
        "id_tags": {
            "type": "object",
            "additionalProperties": False,
            "description": "idTags the CSMS must know: valid, invalid (unknown), expired, blocked, parent",
            "properties": {
                k: _ID_TAG
                for k in ("valid", "invalid", "expired", "blocked", "parent", "same_parent")
            },
        },
        "limits": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "response_timeout": {
                    **_POSITIVE,
                    "description": "seconds; OCPP response timeout (lab default 35)",
                },
                "authorize_response_time": {
                    **_POSITIVE,
                    "description": "seconds; Authorize response time (lab default 3)",
                },
            },
        },
        "timing": {
            "type": "object",
            "additionalProperties": False,
            "description": "how long the charge point takes, as real hardware does",
            "properties": {
                "reboot": {
                    "type": "number",
                    "minimum": 0,
                    "description": "seconds a reboot or power cycle takes before the charge point reconnects",
                },
                "reconnect_backoff": {
                    "type": "number",
                    "minimum": 0,
                    "description": "seconds before the first retry of a refused, failed or dropped connection; doubles each retry",
                },
                "reconnect_attempts": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "connection attempts in all before the charge point gives up",
                },
                "between_cases": {
                    "type": "number",
                    "minimum": 0,
                    "description": "seconds between one case's close and the next case's connect",
                },
                "quiet_period": {
                    "type": "number",
                    "minimum": 0,
                    "description": "seconds with no CALL outstanding either way before a case closes its connection",
                },
            },
        },
        "waits": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "heartbeat_max": {
                    **_POSITIVE,
                    "description": "seconds; cap on waiting the CSMS's heartbeat interval",
                },
                "operator": {
                    **_POSITIVE,
                    "description": "seconds to wait for a CSMS request after an operator action",
                },
                "case_deadline": {**_POSITIVE, "description": "seconds; hard limit for one case"},
                "connection_timeout": {
                    **_POSITIVE,
                    "description": "seconds; the charge point's ConnectionTimeOut (TC_004_2, TC_011_2)",
                },
                "late_answer_grace": {
                    "type": "number",
                    "minimum": 0,
                    "description": "seconds to keep listening after a response timeout, to tell a late answer from none",
                },
                "reservation_expiry_offset": {
                    **_POSITIVE,
                    "description": "seconds; ReserveNow.expiryDate = now + this (TC_047)",
                },
                "reservation_expiry_tolerance": {
                    "type": "number",
                    "minimum": 0,
                    "description": "seconds either side of now + reservation_expiry_offset that "
                    "TC_047 accepts: the TCD states no tolerance, this is the harness's choice "
                    "(catalog §13.1)",
                },
                "transfer": {
                    **_POSITIVE,
                    "description": "seconds; limit of one firmware download or diagnostics upload attempt",
                },
                "transfer_schedule_max": {
                    "type": "number",
                    "minimum": 0,
                    "description": "seconds; cap on waiting for a retrieveDate or a retryInterval",
                },
            },
        },
        "file_transfer": {
            "type": "object",
            "additionalProperties": False,
            "description": "the locations Firmware Management cases use (catalog §5); empty means the bundled CSMS's",
            "properties": {
                k: {"type": "string", "pattern": "^(https?|ftp)://", "description": d}
                for k, d in (
                    ("firmware_location", "the firmware URL UpdateFirmware must name (TC_044_1)"),
                    ("firmware_failing_location", "a firmware URL whose download fails (TC_044_2)"),
                    ("diagnostics_location", "where GetDiagnostics uploads go (TC_045_1)"),
                    (
                        "diagnostics_failing_location",
                        "an upload URL that refuses uploads (TC_045_2)",
                    ),
                    ("log_location", "where GetLog uploads go (TC_079)"),
                    (
                        "signed_firmware_location",
                        "the signed firmware URL SignedUpdateFirmware must name (TC_080, TC_081)",
                    ),
                )
            },
        },
        "smart_charging": {
            "type": "object",
            "additionalProperties": False,
            "description": "the values Smart Charging cases expect in the CSMS's profiles (catalog §8, §10)",
            "properties": {
                "stack_level": {"type": "integer", "minimum": 0},
                "rate_unit": {
                    "enum": ["A", "W"],
                    "description": "A -> limit 6.0, W -> limit 6000.0",
                },
                "duration": {"type": "integer", "minimum": 1, "description": "seconds"},
                "start_period": {"type": "integer", "minimum": 0},
                "number_phases": {"type": "integer", "minimum": 1, "maximum": 3},
            },
        },
        "security": {
            "type": "object",
            "additionalProperties": False,
            "description": "how the charge point proves itself to the CSMS (Security whitepaper §2)",
            "properties": {
                "profile": {
                    "enum": list(SECURITY_PROFILES),
                    "description": "the security profile the CSMS runs for this charge point: "
                    "0 none, 1 HTTP Basic, 2 TLS + HTTP Basic, 3 TLS with a client certificate",
                },
                "password": {
                    "type": "string",
                    "minLength": 1,
                    "description": "profiles 1 and 2: the charge point's HTTP Basic password "
                    "(its AuthorizationKey, 16-20 bytes; --password overrides it)",
                },
                "profiles": {
                    "type": "array",
                    "items": {"enum": [1, 2, 3]},
                    "minItems": 1,
                    "uniqueItems": True,
                    "description": "every security profile the CSMS supports (default: profile "
                    "alone); a case that needs another one of these is run in it, after the "
                    "operator sets the charge point to it (SetSecurityProfile)",
                },
                "tls_url": {
                    "type": "string",
                    "pattern": "^wss://",
                    "description": "profiles 2 and 3: the CSMS's wss:// base URL when --csms "
                    "is its ws:// one (a CSMS with both listeners)",
                },
                "ca_file": {
                    "type": "string",
                    "minLength": 1,
                    "description": "profiles 2 and 3: the CA (PEM) the CSMS's server certificate "
                    "must verify against (relative to this file; --ca-file overrides it; "
                    "default: the system's CAs)",
                },
                "client_certificate": {
                    "type": "string",
                    "minLength": 1,
                    "description": "profile 3: the charge point's client certificate chain (PEM, "
                    "relative to this file; with client_key)",
                },
                "client_key": {
                    "type": "string",
                    "minLength": 1,
                    "description": "profile 3: the private key of client_certificate (PEM)",
                },
                **{
                    key: {
                        "type": "string",
                        "minLength": 1,
                        "description": f"{what}: a PEM file holding a self-signed root CA "
                        "certificate, relative to this file; the CSMS must have it too "
                        "(unset: generated at run start for the bundled CSMS)",
                    }
                    for key, what in ROOT_CERTIFICATE_KEYS.items()
                },
                "hash_algorithm": {
                    "enum": list(HASH_ALGORITHMS),
                    "description": "the charge point's <Configured HashAlgorithm> for its "
                    "certificateHashData (TC_076; default SHA256)",
                },
                **_FIRMWARE_SIGNING_KEYS,
            },
        },
        "operator": {
            "type": "object",
            "additionalProperties": False,
            "description": "how CSMS-initiated steps are triggered (docs/operator-api.md)",
            "properties": {
                "adapter": {"enum": ["http", "manual", "python"]},
                "url": {"type": "string", "description": "http: the operator API base URL"},
                "function": {
                    "type": "string",
                    "pattern": "^[A-Za-z_][\\w.]*:[A-Za-z_]\\w*$",
                    "description": "python: module:function",
                },
            },
        },
        "bundled_csms": {
            "type": "object",
            "additionalProperties": False,
            "description": "settings for the reference CSMS the harness starts when no --csms is given",
            "properties": {"heartbeat_interval": {"type": "integer", "minimum": 1}},
        },
    },
}


@dataclass(frozen=True)
class SutInfo:
    vendor: str = "Unknown vendor"
    product: str = "CSMS under test"
    software_version: str = "unknown"
    feature_profiles: tuple[str, ...] = FEATURE_PROFILES


@dataclass(frozen=True)
class ChargePointConfig:
    id: str = "CP_1"
    vendor: str = "PretestVendor"
    model: str = "VirtualCP-16"
    serial_number: str = "VCP-0001"
    firmware_version: str = "1.0.0"
    connectors: int = 2
    connector_id: int = 1
    meter_start_wh: int = 1000
    timestamp_milliseconds: bool = True


@dataclass(frozen=True)
class IdTags:
    valid: str = "TAG-VALID-0001"
    invalid: str = "TAG-UNKNOWN-01"
    expired: str = "TAG-EXPIRED-01"
    blocked: str = "TAG-BLOCKED-01"
    parent: str = "TAG-PARENT-001"
    same_parent: str = "TAG-SIBLING-001"  # another valid idTag with the same parent (TC_053)


@dataclass(frozen=True)
class Limits:
    response_timeout: float = 35.0
    authorize_response_time: float = 3.0


@dataclass(frozen=True)
class Waits:
    heartbeat_max: float = 60.0
    operator: float = 60.0
    case_deadline: float = 300.0
    connection_timeout: float = 30.0
    # TC_047 waits for the expiry: kept well inside case_deadline (checked on load).
    reservation_expiry_offset: float = 60.0
    reservation_expiry_tolerance: float = 30.0  # TC_047: no tolerance in the TCD (§13.1)
    late_answer_grace: float = 5.0
    transfer: float = 60.0
    transfer_schedule_max: float = 60.0


@dataclass(frozen=True)
class Timing:
    """How long the virtual charge point takes, as real hardware does (realistic defaults;
    the demo and test PICS make them short)."""

    reboot: float = 10.0  # a reboot or power cycle, before the charge point reconnects
    reconnect_backoff: float = 2.0  # before the first retry of a connection; doubles
    reconnect_attempts: int = 5  # connection attempts in all before giving up
    between_cases: float = 2.0  # pause between one case's close and the next's connect
    quiet_period: float = 1.0  # no CALL outstanding either way this long before a close

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based): doubling from reconnect_backoff."""
        return float(self.reconnect_backoff * 2.0 ** (attempt - 1))


@dataclass(frozen=True)
class FileTransfer:
    """Where Firmware Management cases send the charge point (catalog §5); "" = not set."""

    firmware_location: str = ""
    firmware_failing_location: str = ""
    diagnostics_location: str = ""
    diagnostics_failing_location: str = ""
    log_location: str = ""  # GetLog's log.remoteLocation (Security whitepaper N01; TC_079)
    signed_firmware_location: str = ""  # SignedUpdateFirmware's (whitepaper L01; TC_080)


@dataclass(frozen=True)
class SmartCharging:
    """<Configured ...> values of the Smart Charging cases (catalog §8)."""

    stack_level: int = 1
    rate_unit: str = "A"
    duration: int = 3600
    start_period: int = 0
    number_phases: int = 3

    @property
    def limit(self) -> float:
        """The limit TC_056 expects: 6.0 A or 6000.0 W (catalog §8)."""
        return 6.0 if self.rate_unit == "A" else 6000.0


@dataclass(frozen=True)
class Security:
    """The Security whitepaper's connection set-up (catalog §11.0 a)."""

    profile: int = 0  # the profile the CSMS runs for the charge point when the run starts
    password: str = ""  # profiles 1, 2: the AuthorizationKey; "" = none configured
    profiles: tuple[int, ...] = ()  # every profile the CSMS supports; () = profile alone
    tls_url: str = ""  # profiles 2, 3: the wss:// base URL when the CSMS URL is ws://
    ca_file: str = ""  # profiles 2, 3: the CA the server certificate must verify against
    client_certificate: str = ""  # profile 3: the client certificate chain (PEM file)
    client_key: str = ""
    # Signed firmware (whitepaper L01; TC_080, TC_081); "" = not configured. The PICS names
    # the certificate's PEM file; load_config puts the PEM text here.
    firmware_signature: str = ""
    firmware_signing_certificate: str = ""
    invalid_firmware_signature: str = ""

    @property
    def supported(self) -> tuple[int, ...]:
        """The profiles the CSMS supports, the one it starts in first."""
        rest = sorted(p for p in self.profiles if p != self.profile)
        return (self.profile, *rest)

    # The certificate cases' roots (catalog §11.0 c): the PEM files the PICS names, and
    # their content, read on load (or generated for the bundled CSMS); "" = not set.
    manufacturer_root_certificate: str = ""
    central_system_root_certificate: str = ""
    manufacturer_root_pem: str = ""
    central_system_root_pem: str = ""
    hash_algorithm: str = "SHA256"  # <Configured HashAlgorithm> (TC_076)

    @property
    def uses_tls(self) -> bool:
        """Some supported profile connects over TLS (2, 3)."""
        return any(profile >= 2 for profile in self.supported)

    @property
    def uses_basic_auth(self) -> bool:
        return self.profile in (1, 2)


@dataclass(frozen=True)
class OperatorChoice:
    adapter: str = "http"  # http | manual | python
    url: str = ""  # http: empty means the bundled CSMS's API
    function: str = ""  # python: module:function


@dataclass(frozen=True)
class BundledCsms:
    heartbeat_interval: int = 2


@dataclass(frozen=True)
class HarnessConfig:
    sut: SutInfo = field(default_factory=SutInfo)
    charge_point: ChargePointConfig = field(default_factory=ChargePointConfig)
    id_tags: IdTags = field(default_factory=IdTags)
    limits: Limits = field(default_factory=Limits)
    waits: Waits = field(default_factory=Waits)
    timing: Timing = field(default_factory=Timing)
    smart_charging: SmartCharging = field(default_factory=SmartCharging)
    file_transfer: FileTransfer = field(default_factory=FileTransfer)
    security: Security = field(default_factory=Security)
    operator: OperatorChoice = field(default_factory=OperatorChoice)
    bundled_csms: BundledCsms = field(default_factory=BundledCsms)
    edition: str = DEFAULT_EDITION  # the Test Case Document edition (catalog §12)
    source: str = "(defaults)"

    def with_overrides(self, **sections: dict[str, Any]) -> HarnessConfig:
        """A copy with some fields of some sections replaced, e.g. limits={"response_timeout": 5}."""
        changes = {
            name: replace(getattr(self, name), **values) for name, values in sections.items()
        }
        return replace(self, **changes)


_SECTIONS: dict[str, type] = {
    "sut": SutInfo,
    "charge_point": ChargePointConfig,
    "id_tags": IdTags,
    "limits": Limits,
    "waits": Waits,
    "timing": Timing,
    "smart_charging": SmartCharging,
    "file_transfer": FileTransfer,
    "security": Security,
    "operator": OperatorChoice,
    "bundled_csms": BundledCsms,
}


def _read_pem(document: YamlDocument, path: Path, key: str, named: str) -> tuple[Path, str]:
    """The file ``security.<key>`` names (relative to the PICS file ``path``) and its PEM
    text; an error on the key's line when it cannot be read."""
    file = (path.parent / named).resolve()
    try:
        return file, file.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise document.error(
            ["security", key], f"security.{key}: cannot read {file}: {error}"
        ) from None


def _signing_certificate(document: YamlDocument, path: Path, named: str) -> str:
    """The PEM text of security.firmware_signing_certificate (a path relative to the PICS
    file); an error naming the line when it is no PEM X.509 certificate."""
    from simulator.chargepoint.firmware_signature import signing_certificate

    where = ["security", "firmware_signing_certificate"]
    file, pem = _read_pem(document, path, "firmware_signing_certificate", named)
    if signing_certificate(pem) is None:
        raise document.error(
            where,
            f"security.firmware_signing_certificate: {file} holds no PEM X.509 certificate",
            "give the firmware signing certificate as PEM (-----BEGIN CERTIFICATE-----)",
        )
    if len(pem) > 5500:
        raise document.error(
            where,
            f"security.firmware_signing_certificate: {file} has {len(pem)} characters; "
            "SignedUpdateFirmware allows 5500",
        )
    return pem


def load_config(path: Path | None) -> HarnessConfig:
    """Load a configuration file; ``None`` gives the defaults. Raises YamlSourceError."""
    if path is None:
        return HarnessConfig()
    document = load_yaml_file(path)
    if document.data is None:  # an empty file (or only comments): every default
        return HarnessConfig(source=str(path))
    data = document.data
    errors = schema_errors(document, CONFIG_SCHEMA) if isinstance(data, dict) else []
    if not isinstance(data, dict):
        raise YamlSourceError(str(path), 1, "a configuration file must be a mapping of sections")
    if errors:
        raise errors[0]
    sections = {name: cls(**data.get(name, {})) for name, cls in _SECTIONS.items()}
    security_data = data.get("security", {})
    sections["security"] = _security(document, path, security_data)
    if "feature_profiles" in data.get("sut", {}):
        sections["sut"] = replace(
            sections["sut"], feature_profiles=tuple(data["sut"]["feature_profiles"])
        )
    edition = data.get("edition", DEFAULT_EDITION)
    config = HarnessConfig(**sections, edition=edition, source=str(path))
    cp = config.charge_point
    if cp.connector_id > cp.connectors:
        raise document.error(
            ["charge_point", "connector_id"],
            f"charge_point.connector_id {cp.connector_id} exceeds charge_point.connectors {cp.connectors}",
        )
    waits = config.waits
    if waits.reservation_expiry_offset + waits.late_answer_grace >= waits.case_deadline:
        raise document.error(
            ["waits", "case_deadline"] if "case_deadline" in data.get("waits", {}) else ["waits"],
            f"waits.case_deadline {waits.case_deadline:g} s is too short: TC_047 waits "
            f"reservation_expiry_offset + late_answer_grace = "
            f"{waits.reservation_expiry_offset + waits.late_answer_grace:g} s for the "
            "reservation to expire",
            "raise waits.case_deadline or lower waits.reservation_expiry_offset",
        )
    security = config.security
    if SECURITY_FEATURE in config.sut.feature_profiles and security.profile == 0:
        raise document.error(
            ["sut", "feature_profiles"],
            f"sut.feature_profiles declares {SECURITY_FEATURE} but security.profile is 0",
            "set security.profile to the profile the CSMS runs (1, 2 or 3)",
        )
    if security.profiles and security.profile not in security.profiles:
        raise document.error(
            ["security", "profiles"],
            f"security.profiles {list(security.profiles)} leaves out security.profile "
            f"{security.profile}, the one the CSMS starts in",
        )
    basic = [p for p in security.supported if p in (1, 2)]
    if basic and not security.password:
        raise document.error(
            ["security"] if "security" in data else ["sut"],
            f"security profile {basic[0]} uses HTTP Basic auth: security.password is missing",
        )
    config = replace(config, security=_read_roots(document, config.security, path))
    if security.firmware_signing_certificate:
        pem = _signing_certificate(document, path, security.firmware_signing_certificate)
        config = replace(
            config, security=replace(config.security, firmware_signing_certificate=pem)
        )
    if config.operator.adapter == "python" and not config.operator.function:
        raise document.error(
            ["operator"], "operator.adapter python needs operator.function (module:function)"
        )
    return config


# Security keys naming PEM files: relative to the PICS file, checked when it loads.
_SECURITY_FILES = ("ca_file", "client_certificate", "client_key")


def _security(document: YamlDocument, path: Path, data: dict[str, Any]) -> Security:
    values = dict(data)
    if "profiles" in values:
        values["profiles"] = tuple(values["profiles"])
    for key in _SECURITY_FILES:
        if key in values:
            file = (path.parent / values[key]).resolve()
            if not file.is_file():
                raise document.error(["security", key], f"security.{key}: no such file {file}")
            values[key] = str(file)
    if ("client_certificate" in values) != ("client_key" in values):
        missing = "client_key" if "client_certificate" in values else "client_certificate"
        raise document.error(
            ["security"],
            f"security.client_certificate and client_key go together: {missing} is missing",
        )
    return Security(**values)


def _read_roots(document: YamlDocument, security: Security, path: Path) -> Security:
    """``security`` with the PEM content of each root certificate file the PICS names
    (relative to the PICS file); a file that is missing or holds no self-signed root CA
    certificate is an error on its line."""
    from simulator.chargepoint.certificates import CertificateError, load_certificate, root_problem

    read: dict[str, Any] = {}
    for key in ROOT_CERTIFICATE_KEYS:
        named = getattr(security, key)
        if not named:
            continue
        where = ["security", key]
        file, pem = _read_pem(document, path, key, named)
        try:
            problem = root_problem(load_certificate(pem))
        except CertificateError as exc:
            problem = str(exc)
        if problem is not None:
            raise document.error(
                where,
                f"security.{key}: {file} is not a self-signed root CA certificate: {problem}",
                "the charge point names a root by hash data it computes itself (catalog TC_075)",
            )
        read[key.replace("_certificate", "_pem")] = pem
    return replace(security, **read)
