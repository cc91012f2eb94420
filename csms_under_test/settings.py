"""The reference CSMS's own settings: where it listens and stores, how it behaves, and the
defaults it uses for what an operator's request leaves out.

Nothing here comes from the harness: the CSMS is a program of its own, and a harness that
starts it says what it wants in these terms (``simulator.bundled_seed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from csms_under_test.faults import Faults
from csms_under_test.files import MAX_DIAGNOSTICS_BYTES, MAX_UPLOAD_BYTES
from csms_under_test.http_server import HttpLimits
from csms_under_test.security import SECURITY_PROFILES
from csms_under_test.variations import Variations

OperatorApiMode = Literal["full", "raw"]
# full: every route of docs/operator-api.md; raw: only "send this OCPP request to that
# charge point" (POST /api/chargepoints/{id}/ocpp/{Action}), health and files, as the
# minimal admin API of many CSMSs.
OPERATOR_API_MODES: tuple[OperatorApiMode, ...] = ("full", "raw")
# GetCompositeSchedule.req chargingRateUnit (OCPP 1.6 §7 ChargingRateUnitType).
CHARGING_RATE_UNITS = ("A", "W")


# The settings that name files and folders (each held as a Path).
PATH_FIELDS = (
    "files_dir",
    "tls_cert",
    "tls_key",
    "tls_cert_rsa",
    "tls_key_rsa",
    "tls_client_ca",
    "csr_ca_cert",
    "csr_ca_key",
)


@dataclass(frozen=True)
class CsmsSettings:
    db_path: Path
    host: str = "127.0.0.1"
    port: int = 0  # OCPP-J; 0: any free port
    api_port: int = 0  # operator API and /files
    ftp_port: int = 0
    files_dir: Path | None = None  # firmware/ and diagnostics/; None: db_path's folder
    faults: tuple[str, ...] = ()
    variations: tuple[str, ...] = ()
    heartbeat_interval: int = 10  # s, given in BootNotification.conf (OCPP 1.6 §4.2)
    call_timeout: float = 30.0  # s, a request to a charge point waits this long by default
    operator_api: OperatorApiMode = "full"
    api_token: str | None = None  # the operator API wants "Authorization: Bearer <this>"
    max_upload_bytes: int = MAX_UPLOAD_BYTES  # one diagnostics upload (HTTP 413, FTP 552)
    max_diagnostics_bytes: int = MAX_DIAGNOSTICS_BYTES  # the diagnostics folder in all
    # what one HTTP client may take of the operator API's server (connections, times, size)
    http_limits: HttpLimits = field(default_factory=HttpLimits)
    # -- who may connect (csms_under_test.security; OCPP 1.6 Security whitepaper §2)
    security_profile: int = 0  # 0: none, 1: Basic auth, 2: TLS + Basic, 3: mutual TLS
    tls_cert: Path | None = None  # profiles 2, 3: the server certificate (PEM, with chain)
    tls_key: Path | None = None  # its private key (PEM)
    # A second server chain of the other key type (RSA beside an ECDSA tls_cert): the TCD's
    # four suites need both (TC_086, whitepaper A00.FR.317 note).
    tls_cert_rsa: Path | None = None
    tls_key_rsa: Path | None = None
    tls_client_ca: Path | None = None  # profile 3: the CA that signs charge point certificates
    # The CA that signs charge point CSRs (SignCertificate, whitepaper A02); None: one
    # generated at start (csms_under_test.certificate_renewal). Also trusted for clients.
    csr_ca_cert: Path | None = None
    csr_ca_key: Path | None = None
    # With TLS material: ws:// stays on ``port`` (profiles 0, 1) and wss:// listens here
    # (profiles 2, 3), each charge point held to its own profile. None: one listener.
    tls_port: int | None = None
    accept_unknown: bool = False  # let charge points in that are not registered
    replace_limit: int = 3  # a connected charge point's connection is replaced at most
    replace_window: float = 60.0  # ... this many times in this many seconds
    # -- defaults for what an operator's request leaves out
    reservation_expiry: float = 3600.0  # s: ReserveNow.expiryDate = now + this (§5.13)
    composite_schedule_duration: int = 3600  # s: GetCompositeSchedule.duration (§5.7)
    composite_schedule_unit: str = "A"  # GetCompositeSchedule.chargingRateUnit (§5.7)

    def __post_init__(self) -> None:
        # Callers may hand lists and strings; the settings hold tuples and paths.
        object.__setattr__(self, "db_path", Path(self.db_path))
        for name in PATH_FIELDS:
            if getattr(self, name) is not None:
                object.__setattr__(self, name, Path(getattr(self, name)))
        object.__setattr__(self, "faults", tuple(self.faults))
        object.__setattr__(self, "variations", tuple(self.variations))
        Faults(self.faults)  # unknown names raise ValueError
        Variations(self.variations)
        for name in ("port", "api_port", "ftp_port"):
            port = getattr(self, name)
            if not 0 <= port <= 65535:
                raise ValueError(f"{name} must be between 0 and 65535, not {port}")
        if self.heartbeat_interval < 1:
            raise ValueError(
                f"heartbeat_interval must be at least 1 s, not {self.heartbeat_interval}"
            )
        if self.call_timeout <= 0:
            raise ValueError(f"call_timeout must be positive, not {self.call_timeout}")
        if self.operator_api not in OPERATOR_API_MODES:
            raise ValueError(
                f"operator_api must be one of {', '.join(OPERATOR_API_MODES)}, "
                f"not {self.operator_api!r}"
            )
        self._check_security()
        for name in ("max_upload_bytes", "max_diagnostics_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive number of bytes, not {value!r}")
        if self.reservation_expiry <= 0:
            raise ValueError(f"reservation_expiry must be positive, not {self.reservation_expiry}")
        if self.composite_schedule_duration < 1:
            raise ValueError(
                "composite_schedule_duration must be at least 1 s, "
                f"not {self.composite_schedule_duration}"
            )
        if self.composite_schedule_unit not in CHARGING_RATE_UNITS:
            raise ValueError(
                f"composite_schedule_unit must be A or W, not {self.composite_schedule_unit!r}"
            )

    @property
    def tls_chains(self) -> list[tuple[Path, Path]]:
        """The server chains (certificate, key) TLS serves: tls_cert and tls_cert_rsa."""
        pairs = ((self.tls_cert, self.tls_key), (self.tls_cert_rsa, self.tls_key_rsa))
        return [(cert, key) for cert, key in pairs if cert is not None and key is not None]

    def _check_security(self) -> None:
        if self.security_profile not in SECURITY_PROFILES:
            raise ValueError(
                f"security_profile must be 0, 1, 2 or 3, not {self.security_profile!r}"
            )
        tls = self.tls_cert is not None or self.tls_key is not None
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if (self.tls_cert_rsa is None) != (self.tls_key_rsa is None):
            raise ValueError("tls_cert_rsa and tls_key_rsa go together")
        if self.tls_cert_rsa is not None and not tls:
            raise ValueError("tls_cert_rsa is a second server chain: give tls_cert and tls_key")
        if self.security_profile >= 2 and not tls:
            raise ValueError(
                f"security profile {self.security_profile} runs over TLS: give tls_cert and tls_key"
            )
        if self.tls_port is not None and not tls:
            raise ValueError("tls_port is the wss:// listener: give tls_cert and tls_key")
        if self.tls_port is not None and not 0 <= self.tls_port <= 65535:
            raise ValueError(f"tls_port must be between 0 and 65535, not {self.tls_port}")
        if self.security_profile == 1 and tls and self.tls_port is None:
            raise ValueError(
                "security profile 1 runs over ws:// (no TLS); use profile 2 for TLS, or "
                "tls_port for a wss:// listener beside the ws:// one"
            )
        if self.security_profile == 3 and self.tls_client_ca is None:
            raise ValueError("security profile 3 needs tls_client_ca (the charge points' CA)")
        if self.tls_client_ca is not None and not tls:
            raise ValueError("tls_client_ca is for TLS connections: give tls_cert and tls_key")
        if (self.csr_ca_cert is None) != (self.csr_ca_key is None):
            raise ValueError("csr_ca_cert and csr_ca_key go together")
        if self.replace_limit < 1 or self.replace_window <= 0:
            raise ValueError("replace_limit must be at least 1 and replace_window positive")
