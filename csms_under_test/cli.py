"""``csms-under-test``: run the reference CSMS until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from csms_under_test.app import ReferenceCsms
from csms_under_test.faults import FAULTS
from csms_under_test.seed import Seed, SeedError, load_seed
from csms_under_test.settings import OPERATOR_API_MODES, CsmsSettings
from csms_under_test.variations import VARIATIONS

PROG = "csms-under-test"
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump: the message says what is wrong.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="The reference OCPP 1.6-J CSMS bundled with the pre-test harness.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=9000, help="OCPP-J port (default %(default)s)")
    parser.add_argument(
        "--api-port", type=int, default=None, help="operator API port (default: --port + 1)"
    )
    parser.add_argument(
        "--ftp-port", type=int, default=None, help="FTP port for files (default: --port + 2)"
    )
    parser.add_argument(
        "--db", type=Path, default=Path("csms.sqlite3"), help="SQLite file (default %(default)s)"
    )
    parser.add_argument(
        "--files-dir",
        type=Path,
        default=None,
        help="folder of firmware/ and diagnostics/ (default: the --db file's folder)",
    )
    parser.add_argument(
        "--seed",
        type=Path,
        metavar="FILE",
        help="idTags and charge points to provision (YAML; see docs/operator-api.md)",
    )
    parser.add_argument(
        "--operator-api",
        choices=OPERATOR_API_MODES,
        default="full",
        help="full: every operator API route; raw: only health, the raw OCPP send route "
        "and files (default %(default)s)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on a fault (repeatable)",
    )
    parser.add_argument("--list-faults", action="store_true", help="list the faults and exit")
    parser.add_argument(
        "--variation",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on a legal variation, behaviour a lab accepts (repeatable)",
    )
    parser.add_argument(
        "--list-variations", action="store_true", help="list the legal variations and exit"
    )
    parser.add_argument(
        "--heartbeat-interval",
        type=int,
        default=10,
        metavar="SECONDS",
        help="interval given in BootNotification.conf (default %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="default %(default)s",
    )
    return parser


def _check_port(name: str, port: int) -> int:
    if not 0 <= port <= 65535:
        raise UsageError(f"{name} must be between 0 and 65535, not {port}")
    return port


def _load_seed(path: Path | None) -> Seed:
    if path is None:
        return Seed()
    try:
        return load_seed(path)
    except SeedError as error:
        raise UsageError(" ".join(str(error).split("\n"))) from None


def _build(args: argparse.Namespace) -> ReferenceCsms:
    port = _check_port("--port", args.port)
    api_default = port + 1 if port else 0
    api_port = _check_port("--api-port", api_default if args.api_port is None else args.api_port)
    ftp_default = port + 2 if port else 0
    ftp_port = _check_port("--ftp-port", ftp_default if args.ftp_port is None else args.ftp_port)
    if args.heartbeat_interval < 1:
        raise UsageError(f"--heartbeat-interval must be at least 1, not {args.heartbeat_interval}")
    try:
        settings = CsmsSettings(
            db_path=args.db,
            host=args.host,
            port=port,
            api_port=api_port,
            ftp_port=ftp_port,
            files_dir=args.files_dir,
            faults=tuple(args.fault),
            variations=tuple(args.variation),
            heartbeat_interval=args.heartbeat_interval,
            operator_api=args.operator_api,
        )
    except ValueError as error:  # an unknown fault or variation
        raise UsageError(str(error)) from None
    return ReferenceCsms(settings, seed=_load_seed(args.seed))


async def _serve(csms: ReferenceCsms) -> int:
    try:
        await csms.start()
    except (OSError, sqlite3.Error) as error:
        print(f"{PROG}: error: cannot start: {error}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        print(f"ocpp: {csms.ocpp_url}", flush=True)
        print(f"operator: {csms.api_url}", flush=True)
        print(f"files: {csms.files_http_url}", flush=True)
        print(f"ftp: {csms.ftp_url}", flush=True)
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await csms.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    listed = FAULTS if args.list_faults else VARIATIONS if args.list_variations else None
    if listed is not None:
        width = max(map(len, listed))
        for name, description in listed.items():
            print(f"{name:<{width}}  {description}")
        return 0
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.log_level != "DEBUG":
        # One line per connection from websockets itself is noise next to the CSMS's own log.
        logging.getLogger("websockets").setLevel(logging.WARNING)
        logging.getLogger("pyftpdlib").setLevel(logging.WARNING)  # likewise per FTP command
    try:
        csms = _build(args)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_serve(csms))
