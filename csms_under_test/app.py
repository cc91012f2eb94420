"""The reference CSMS: OCPP-J server, operator API and store, wired together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from csms_under_test.connections import ConnectionRegistry
from csms_under_test.faults import Faults
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
from csms_under_test.operator_service import ApiReply, OperatorService
from csms_under_test.server import OCPP_PATH, OcppServer
from csms_under_test.store import Store
from csms_under_test.variations import Variations
from simulator.config import HarnessConfig

logger = logging.getLogger(__name__)


class ReferenceCsms:
    """A real (small) CSMS: every request is answered from and recorded in a SQLite store.

    ``start`` and ``stop`` run on the event loop that then serves the CSMS; the store is
    only touched from that loop. Firmware and diagnostics files live in ``files_dir``
    (default: the database file's folder), served over HTTP by the operator API server and
    over FTP on ``ftp_port`` (see :mod:`csms_under_test.files`); UpdateFirmware and
    GetDiagnostics from the operator default to them (:attr:`file_locations`).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_port: int = 0,
        db_path: Path,
        config: HarnessConfig,
        faults: Iterable[str] = (),
        variations: Iterable[str] = (),
        heartbeat_interval: int = 10,
        call_timeout: float = 30.0,
        ftp_port: int = 0,
        files_dir: Path | None = None,
    ) -> None:
        if heartbeat_interval < 1:
            raise ValueError(f"heartbeat_interval must be at least 1 s, not {heartbeat_interval}")
        if call_timeout <= 0:
            raise ValueError(f"call_timeout must be positive, not {call_timeout}")
        self.host = host
        self.db_path = Path(db_path)
        self.config = config
        self.faults = Faults(faults)
        self.variations = Variations(variations)
        self.heartbeat_interval = heartbeat_interval
        self.call_timeout = call_timeout
        self._port = port
        self._api_port = api_port
        self._ftp_port = ftp_port
        self.files = FileArea(self.db_path.parent if files_dir is None else files_dir)
        self.registry = ConnectionRegistry()
        self._store: Store | None = None
        self._ocpp: OcppServer | None = None
        self._api: OperatorApi | None = None
        self._operator: OperatorService | None = None
        self._ftp: FtpServer | None = None

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Open the store and start listening; on failure nothing is left running."""
        if self._store is not None:
            raise RuntimeError("the CSMS is already started")
        self._store = Store(self.db_path)
        try:
            self._store.seed_id_tags(self.config.id_tags)
            self.files.prepare()
            self._ocpp = OcppServer(
                store=self._store,
                faults=self.faults,
                registry=self.registry,
                handlers=all_handlers(),
                heartbeat_interval=self.heartbeat_interval,
                variations=self.variations,
            )
            await self._ocpp.start(self.host, self._port)
            self._operator = OperatorService(
                store=self._store,
                registry=self.registry,
                faults=self.faults,
                config=self.config,
                call_timeout=self.call_timeout,
                file_locations=lambda: self.file_locations,
                variations=self.variations,
            )
            self._api = OperatorApi(
                self._operator,
                asyncio.get_running_loop(),
                host=self.host,
                port=self._api_port,
                files=self.files,
            )
            self._api.start()
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
            await asyncio.to_thread(self._api.close)
            self._api = None
        if self._ftp is not None:
            await asyncio.to_thread(self._ftp.close)
            self._ftp = None
        self._operator = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- addresses --------------------------------------------------------------------
    @property
    def ocpp_url(self) -> str:
        """``ws://HOST:PORT/ocpp``; a charge point appends ``/<chargePointId>``."""
        port = self._ocpp.port if self._ocpp is not None else self._port
        return f"ws://{url_host(self.host)}:{port}{OCPP_PATH}"

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
