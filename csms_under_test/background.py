"""Run the reference CSMS on its own event loop in a daemon thread.

The harness runs its own asyncio loop in the main thread and the bundled CSMS beside it::

    with BackgroundCsms(CsmsSettings(db_path=path), seed=seed) as csms:
        run_cases(csms.ocpp_url, csms.api_url)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from csms_under_test.app import ReferenceCsms
from csms_under_test.seed import Seed
from csms_under_test.settings import CsmsSettings

T = TypeVar("T")

logger = logging.getLogger(__name__)


class BackgroundCsmsError(RuntimeError):
    """The bundled CSMS could not be started or stopped."""


class BackgroundCsms:
    def __init__(
        self,
        settings: CsmsSettings,
        *,
        seed: Seed | None = None,
        start_timeout: float = 10.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self.csms = ReferenceCsms(settings, seed=seed)
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._stop_requested = False
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def ocpp_url(self) -> str:
        return self.csms.ocpp_url

    @property
    def ocpp_tls_url(self) -> str | None:
        return self.csms.ocpp_tls_url

    @property
    def api_url(self) -> str:
        return self.csms.api_url

    def start(self) -> Self:
        """Start the CSMS thread; returns once both servers listen. Raises BackgroundCsmsError."""
        if self._thread is not None:
            raise BackgroundCsmsError("the bundled CSMS was started already")
        self._thread = threading.Thread(target=self._run, name="bundled-csms", daemon=True)
        self._thread.start()
        if not self._ready.wait(self._start_timeout):
            self.stop()
            raise BackgroundCsmsError(
                f"the bundled CSMS did not start listening within {self._start_timeout:g} s"
            )
        if self._error is not None:
            self._thread.join(self._stop_timeout)
            raise BackgroundCsmsError(
                f"the bundled CSMS failed to start: {self._error}"
            ) from self._error
        return self

    def stop(self) -> None:
        """Stop the CSMS and join its thread. Idempotent."""
        self._stop_requested = True
        loop, event = self._loop, self._stop_event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has finished already
                loop.call_soon_threadsafe(event.set)
        if self._thread is not None:
            self._thread.join(self._stop_timeout)
            if self._thread.is_alive():
                raise BackgroundCsmsError(
                    f"the bundled CSMS did not stop within {self._stop_timeout:g} s"
                )

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coroutine`` on the CSMS loop (where its store lives) and return its result."""
        thread = self._thread
        running = thread is not None and thread.is_alive() and self._ready.is_set()
        if self._loop is None or not running or self._error is not None:
            coroutine.close()
            raise BackgroundCsmsError("the bundled CSMS is not running")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the CSMS thread --------------------------------------------------------------
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to start(); the thread must not die noisily
            if self._ready.is_set():
                logger.exception("the bundled CSMS failed")
            else:
                self._error = error
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._stop_event = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        try:
            await self.csms.start()
        except BaseException as error:
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        try:
            if not self._stop_requested:
                await self._stop_event.wait()
        finally:
            await self.csms.stop()
