"""The reference CSMS: OCPP-J server, operator API and store, wired together."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cryptography.hazmat.primitives import serialization

from csms_under_test.admission import Admission
from csms_under_test.certificate_authority import CertificateAuthority
from csms_under_test.certificate_renewal import CertificateRenewal
from csms_under_test.connections import ConnectionRegistry
from csms_under_test.faults import SIGNED_CERTIFICATE_NOT_TRUSTED, Faults
from csms_under_test.files import (
    DEMO_FIRMWARE_NAME,
    FILES_PATH,
    FTP_PASSWORD,
    FTP_USER,
    FileArea,
    FtpServer,
)
from csms_under_test.handlers import all_handlers
from csms_under_test.network import url_host
from csms_under_test.operator_api import OperatorApi
from csms_under_test.operator_requests import FileLocations
from csms_under_test.operator_service import OperatorService
from csms_under_test.provisioning import Provisioning
from csms_under_test.raw_requests import RawRequests
from csms_under_test.replies import ApiReply
from csms_under_test.security import server_tls_context
from csms_under_test.seed import Seed, apply_seed
from csms_under_test.server import OCPP_PATH, OcppServer
from csms_under_test.settings import CsmsSettings
from csms_under_test.store import Store
from csms_under_test.variations import CSR_CA_RSA, Variations

logger = logging.getLogger(__name__)


def csr_certificate_authority(
    settings: CsmsSettings, variations: Variations
) -> CertificateAuthority:
    """The configured CSR CA (``csr_ca_cert``/``csr_ca_key``), or one generated now (RSA with
    the ``csr-ca-rsa`` variation, else EC P-256); never written anywhere."""
    if settings.csr_ca_cert is not None and settings.csr_ca_key is not None:
        return CertificateAuthority.load(
            settings.csr_ca_cert.read_bytes(), settings.csr_ca_key.read_bytes()
        )
    return CertificateAuthority.generate(rsa_key=CSR_CA_RSA in variations)


class ReferenceCsms:
    """A real (small) CSMS: every request is answered from and recorded in a SQLite store.

    ``settings`` says where it listens and stores and how it behaves; ``seed`` is written
    into the store when it starts (what the seed names is replaced, the rest of the store
    stays: :func:`csms_under_test.seed.apply_seed`). ``start`` and ``stop`` run on the
    event loop that then serves the CSMS; the store is only touched from that loop.
    Firmware and diagnostics files live in ``settings.files_dir`` (default: the database
    file's folder), served over HTTP by the operator API server and over FTP (see
    :mod:`csms_under_test.files`); UpdateFirmware and GetDiagnostics from the operator
    default to them (:attr:`file_locations`).
    """

    def __init__(self, settings: CsmsSettings, *, seed: Seed | None = None) -> None:
        self.settings = settings
        self.seed = seed or Seed()
        self.host = settings.host
        self.db_path = settings.db_path
        self.faults = Faults(settings.faults)
        self.variations = Variations(settings.variations)
        self.heartbeat_interval = settings.heartbeat_interval
        self.call_timeout = settings.call_timeout
        self._port = settings.port
        self._api_port = settings.api_port
        self._ftp_port = settings.ftp_port
        files_dir = settings.files_dir
        self.files = FileArea(
            self.db_path.parent if files_dir is None else files_dir,
            max_upload_bytes=settings.max_upload_bytes,
            max_diagnostics_bytes=settings.max_diagnostics_bytes,
        )
        self.registry = ConnectionRegistry()
        self.csr_ca = csr_certificate_authority(settings, self.variations)
        self.admission: Admission | None = None  # set by start()
        self._store: Store | None = None
        self._ocpp: OcppServer | None = None
        self._api: OperatorApi | None = None
        self._operator: OperatorService | None = None
        self._raw: RawRequests | None = None
        self._ftp: FtpServer | None = None

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Open the store and start listening; on failure nothing is left running."""
        if self._store is not None:
            raise RuntimeError("the CSMS is already started")
        self._store = Store(self.db_path)
        try:
            apply_seed(self.seed, self._store)
            self.files.prepare()
            settings = self.settings
            self.admission = Admission(
                store=self._store,
                registry=self.registry,
                security_profile=settings.security_profile,
                accept_unknown=settings.accept_unknown,
                replace_limit=settings.replace_limit,
                replace_window=settings.replace_window,
                faults=self.faults,
            )
            tls = (
                server_tls_context(settings.tls_chains, settings.tls_client_ca, self.faults)
                if settings.tls_chains
                else None
            )
            trusts_signed = SIGNED_CERTIFICATE_NOT_TRUSTED not in self.faults
            if tls is not None and settings.tls_client_ca is not None and trusts_signed:
                # A certificate the CSR CA signed (TC_074) is a client certificate too.
                tls.load_verify_locations(cadata=self.csr_ca_pem.decode("ascii"))
            renewal = CertificateRenewal(
                self.csr_ca, call_timeout=self.call_timeout, variations=self.variations
            )
            self._ocpp = OcppServer(
                store=self._store,
                faults=self.faults,
                registry=self.registry,
                handlers=all_handlers(renewal),
                heartbeat_interval=self.heartbeat_interval,
                variations=self.variations,
                admission=self.admission,
                tls=tls,
            )
            await self._ocpp.start(self.host, self._port, settings.tls_port)
            self._operator = OperatorService(
                store=self._store,
                registry=self.registry,
                faults=self.faults,
                settings=self.settings,
                file_locations=lambda: self.file_locations,
                variations=self.variations,
            )
            self._raw = RawRequests(
                store=self._store, registry=self.registry, call_timeout=self.call_timeout
            )
            self._api = OperatorApi(
                self._operator,
                host=self.host,
                port=self._api_port,
                provisioning=Provisioning(
                    store=self._store, registry=self.registry, admission=self.admission
                ),
                raw=self._raw,
                files=self.files,
                mode=self.settings.operator_api,
                token=self.settings.api_token,
                limits=self.settings.http_limits,
            )
            await self._api.start()
            self._ftp = FtpServer(self.files, host=self.host, port=self._ftp_port)
            self._ftp.start()
        except BaseException:
            await self.stop()
            raise
        logger.info(
            "reference CSMS listening: %s, operator API %s, files %s and %s, faults: %s, "
            "variations: %s",
            self.ocpp_url,
            self.api_url,
            self.files_http_url,
            self.ftp_url,
            ", ".join(self.faults) or "none",
            ", ".join(self.variations) or "none",
        )

    async def stop(self) -> None:
        """Stop both servers, close every connection and the store. Idempotent."""
        if self._api is not None:
            self._api.refuse_new_requests()
        if self._ocpp is not None:
            await self._ocpp.stop()  # fails requests still waiting for a charge point
            self._ocpp = None
        if self._api is not None:
            await self._api.close()
            self._api = None
        if self._ftp is not None:
            await asyncio.to_thread(self._ftp.close)
            self._ftp = None
        self._operator = None
        self._raw = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- addresses --------------------------------------------------------------------
    @property
    def ocpp_url(self) -> str:
        """``ws://HOST:PORT/ocpp``; a charge point appends ``/<chargePointId>``."""
        port = self._ocpp.port if self._ocpp is not None else self._port
        settings = self.settings
        scheme = "wss" if settings.tls_cert is not None and settings.tls_port is None else "ws"
        return f"{scheme}://{url_host(self.host)}:{port}{OCPP_PATH}"

    @property
    def ocpp_tls_url(self) -> str | None:
        """``wss://HOST:TLS_PORT/ocpp`` beside ``ocpp_url`` (settings.tls_port), or None."""
        if self.settings.tls_port is None:
            return None
        started = self._ocpp.tls_port if self._ocpp is not None else None
        port = started if started is not None else self.settings.tls_port
        return f"wss://{url_host(self.host)}:{port}{OCPP_PATH}"

    @property
    def api_url(self) -> str:
        port = self._api.port if self._api is not None else self._api_port
        return f"http://{url_host(self.host)}:{port}/api"

    @property
    def files_http_url(self) -> str:
        """``http://HOST:API_PORT/files``: add ``/firmware/<name>`` or ``/diagnostics/``."""
        port = self._api.port if self._api is not None else self._api_port
        return f"http://{url_host(self.host)}:{port}{FILES_PATH}"

    @property
    def ftp_url(self) -> str:
        """``ftp://csms:csms@HOST:FTP_PORT``: add ``/firmware/<name>`` or ``/diagnostics/``."""
        port = self._ftp.port if self._ftp is not None else self._ftp_port
        return f"ftp://{FTP_USER}:{FTP_PASSWORD}@{url_host(self.host)}:{port}"

    @property
    def file_locations(self) -> FileLocations:
        """:attr:`files_http_url` and :attr:`ftp_url`, as operator requests are completed with."""
        return FileLocations(self.files_http_url, self.ftp_url, DEMO_FIRMWARE_NAME)

    @property
    def csr_ca_pem(self) -> bytes:
        """The certificate of the CA that signs charge point CSRs (PEM): what a launcher
        makes the TLS listener trust for client certificates (``tls_client_ca``) and the
        charge point may check the chains of CertificateSigned against."""
        return self.csr_ca.certificate.public_bytes(serialization.Encoding.PEM)

    # -- for in-process use (on the CSMS loop) ----------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the CSMS is not started")
        return self._store

    async def send_request(
        self,
        charge_point_id: str,
        action: str,
        payload: dict[str, Any],
        timeout: float | None = None,
    ) -> ApiReply:
        """What ``POST /api/chargepoints/{id}/requests/{action}`` does, without HTTP."""
        if self._operator is None:
            raise RuntimeError("the CSMS is not started")
        return await self._operator.send_request(charge_point_id, action, payload, timeout)

    async def send_raw(
        self,
        charge_point_id: str,
        action: str,
        payload: dict[str, Any],
        timeout: float | None = None,
    ) -> ApiReply:
        """What ``POST /api/chargepoints/{id}/ocpp/{action}`` does, without HTTP."""
        if self._raw is None:
            raise RuntimeError("the CSMS is not started")
        return await self._raw.send(charge_point_id, action, payload, timeout)
