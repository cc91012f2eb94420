"""A small headless Chromium driver over the Chrome DevTools Protocol (CDP), for tests.

No browser automation dependency: Chromium is started with ``--remote-debugging-port=0``,
its port is read from ``DevToolsActivePort`` in a fresh profile folder, and one page is
driven through the browser's WebSocket with the ``websockets`` client (flattened target
sessions). Loopback only; the flags below stop Chromium's own calls to Google hosts.
Every wait is bounded; :meth:`Browser.close` always kills the browser's process group and
removes its temporary folders.

    async with await Browser.launch() as browser:
        await browser.open(path.as_uri())
        title = await browser.evaluate("document.title")
        png = await browser.screenshot()
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import itertools
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM_CANDIDATES: Sequence[str] = ("chromium", "/usr/bin/chromium", "chromium-browser")

FLAGS: Sequence[str] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

# websockets >= 15 honours *_proxy environment variables; the DevTools socket is loopback.
_NO_PROXY: dict[str, Any] = (
    {"proxy": None} if "proxy" in inspect.signature(connect.__init__).parameters else {}
)


class BrowserError(RuntimeError):
    """Chromium did not start, a CDP command failed, or a wait ran out."""


def find_chromium() -> str | None:
    """The Chromium executable on this machine, or None (``make browser`` installs it)."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _read_active_port(profile: Path) -> tuple[int, str] | None:
    """(port, browser WebSocket path) once Chromium has written DevToolsActivePort."""
    try:
        lines = (profile / "DevToolsActivePort").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    if len(lines) < 2 or not lines[0].strip().isdigit():
        return None  # written but not complete yet
    return int(lines[0]), lines[1].strip()


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-limit:]
    except OSError:
        return ""


class Browser:
    """One headless Chromium with one page; create it with :meth:`launch`."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        workdir: Path,
        timeout: float,
    ) -> None:
        self._process = process
        self._workdir = workdir
        self._timeout = timeout
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._loaded: set[str] = set()  # loaderIds whose document fired its load event
        self._load_seen = asyncio.Condition()
        self._failure: BaseException | None = None
        self._session: str | None = None
        self._closed = False
        self.requested_urls: list[str] = []
        """Every URL the page asked for (Network.requestWillBeSent), in order."""

    @classmethod
    async def launch(
        cls,
        executable: str | None = None,
        *,
        width: int = 1280,
        height: int = 900,
        timeout: float = 20.0,
    ) -> Browser:
        """Start Chromium with a fresh profile and open one blank page of ``width`` CSS px."""
        executable = executable or find_chromium()
        if executable is None:
            raise BrowserError("no Chromium found on PATH (install it with `make browser`)")
        workdir = Path(tempfile.mkdtemp(prefix="ocpp-browser-"))
        profile = workdir / "profile"
        profile.mkdir()
        log_path = workdir / "chromium.log"
        with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
            process = await asyncio.create_subprocess_exec(
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: close() kills every child
            )
        browser = cls(process, workdir, timeout)
        try:
            await browser._connect(profile, log_path)
            await browser._open_page(width, height)
        except BaseException:
            await browser.close()
            raise
        return browser

    async def _connect(self, profile: Path, log_path: Path) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                while (active := _read_active_port(profile)) is None:
                    if self._process.returncode is not None:
                        raise BrowserError(
                            f"Chromium exited with status {self._process.returncode}:\n"
                            f"{_tail(log_path)}"
                        )
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise BrowserError(
                f"Chromium wrote no DevToolsActivePort within {self._timeout:g} s:\n"
                f"{_tail(log_path)}"
            ) from None
        port, path = active
        self._socket = await connect(
            f"ws://127.0.0.1:{port}{path}",
            open_timeout=self._timeout,
            max_size=None,  # screenshots and PDFs arrive as one base64 message
            ping_interval=None,
            compression=None,
            **_NO_PROXY,
        )
        self._reader = asyncio.create_task(self._read())

    async def _open_page(self, width: int, height: int) -> None:
        target = await self._send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = await self._send(
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            session=False,
        )
        self._session = attached["sessionId"]
        await self._send("Page.enable")
        await self._send("Page.setLifecycleEventsEnabled", {"enabled": True})
        await self._send("Runtime.enable")
        await self._send("Network.enable")
        await self._send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    async def _read(self) -> None:
        assert self._socket is not None
        failure: BaseException = BrowserError("the DevTools connection closed")
        try:
            async for raw in self._socket:
                message: dict[str, Any] = json.loads(raw)
                if "id" in message:
                    future = self._pending.pop(message["id"], None)
                    if future is not None and not future.done():
                        future.set_result(message)
                    continue
                if message.get("sessionId") != self._session:
                    continue
                method = message.get("method", "")
                params: dict[str, Any] = message.get("params", {})
                if method == "Network.requestWillBeSent":
                    self.requested_urls.append(params["request"]["url"])
                elif method == "Page.lifecycleEvent" and params.get("name") == "load":
                    async with self._load_seen:
                        self._loaded.add(params["loaderId"])
                        self._load_seen.notify_all()
        except Exception as exc:  # the reader ends: fail whoever still waits
            failure = exc
        self._failure = failure
        for future in self._pending.values():
            if not future.done():
                future.set_exception(failure)
        self._pending.clear()
        async with self._load_seen:
            self._load_seen.notify_all()

    async def _send(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = True
    ) -> dict[str, Any]:
        if self._socket is None or self._closed:
            raise BrowserError(f"{method}: the browser is closed")
        command: dict[str, Any] = {"id": next(self._ids), "method": method}
        command["params"] = params or {}
        if session:
            command["sessionId"] = self._session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command["id"]] = future
        await self._socket.send(json.dumps(command))
        try:
            async with asyncio.timeout(self._timeout):
                answer = await future
        except TimeoutError:
            self._pending.pop(command["id"], None)
            raise BrowserError(f"{method}: no answer within {self._timeout:g} s") from None
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def open(self, url: str) -> None:
        """Navigate the page to ``url`` and wait for that document's load event.

        The lifecycle "load" event is Page.loadEventFired tagged with the navigation's
        loaderId, so a late load of the initial about:blank cannot pass for the report's.
        """
        navigation = await self._send("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            raise BrowserError(f"navigating to {url}: {navigation['errorText']}")
        loader = navigation.get("loaderId")
        if loader is None:
            return  # a same-document navigation (a #fragment): nothing loads
        try:
            async with asyncio.timeout(self._timeout), self._load_seen:
                await self._load_seen.wait_for(
                    lambda: loader in self._loaded or self._failure is not None
                )
        except TimeoutError:
            raise BrowserError(f"{url}: no load event within {self._timeout:g} s") from None
        if loader not in self._loaded:
            raise BrowserError(f"{url}: {self._failure}")

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-able; promises awaited)."""
        result = await self._send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript failed: {text}")
        return result["result"].get("value")

    async def screenshot(self, *, full_page: bool = True, max_height: int = 16384) -> bytes:
        """A PNG of the page: the whole document (up to ``max_height`` px) or the viewport."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = await self._send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": min(size["height"], max_height),
                "scale": 1,
            }
        shot = await self._send("Page.captureScreenshot", params)
        return base64.b64decode(shot["data"])

    async def pdf(self) -> bytes:
        """The page printed to PDF on A4 paper, backgrounds included."""
        printed = await self._send(
            "Page.printToPDF",
            {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True},
        )
        return base64.b64decode(printed["data"])

    async def close(self) -> None:
        """Kill the browser (its whole process group) and remove its temporary folders."""
        if self._closed:
            return
        try:
            if self._socket is not None:
                with contextlib.suppress(Exception):  # ask first: Chromium reaps its children
                    async with asyncio.timeout(2):
                        await self._send("Browser.close", session=False)
                        await self._process.wait()
                self._closed = True
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(2):
                        await self._socket.close()
            if self._reader is not None:
                self._reader.cancel()
                await asyncio.gather(self._reader, return_exceptions=True)
        finally:
            self._closed = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self._timeout):
                    await self._process.wait()
            shutil.rmtree(self._workdir, ignore_errors=True)

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
