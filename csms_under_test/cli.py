"""``csms-under-test``: run the reference CSMS until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from csms_under_test.app import ReferenceCsms
from csms_under_test.faults import FAULTS
from csms_under_test.files import MAX_DIAGNOSTICS_BYTES, MAX_UPLOAD_BYTES
from csms_under_test.http_server import HttpLimits
from csms_under_test.seed import Seed, SeedError, load_seed
from csms_under_test.settings import OPERATOR_API_MODES, PATH_FIELDS, CsmsSettings
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
    for flag, default, what in (
        ("--max-upload-bytes", MAX_UPLOAD_BYTES, "one diagnostics upload"),
        ("--max-diagnostics-bytes", MAX_DIAGNOSTICS_BYTES, "the diagnostics folder in all"),
    ):
        parser.add_argument(
            flag,
            type=int,
            default=default,
            metavar="BYTES",
            help=f"limit of {what} (default %(default)s)",
        )
    limits = HttpLimits()
    http = parser.add_argument_group("what one HTTP client may take of the operator API")
    http_flags: tuple[tuple[str, type[float] | type[int], float, str, str], ...] = (
        ("--api-max-connections", int, limits.max_connections, "N",
         "connections at once; one more is answered 503"),
        ("--api-header-timeout", float, limits.header_timeout, "SECONDS",
         "to send a request's head, else the connection ends"),
        ("--api-body-timeout", float, limits.body_timeout, "SECONDS",
         "to send a JSON body, or between two chunks of an upload: else 408"),
        ("--api-max-body-bytes", int, limits.max_body_bytes, "BYTES",
         "of a JSON body: else 413"),
    )  # fmt: skip
    for flag, kind, initial, metavar, what in http_flags:
        http.add_argument(
            flag, type=kind, default=initial, metavar=metavar, help=f"{what} (default %(default)s)"
        )
    security = parser.add_argument_group(
        "security (OCPP 1.6 Security whitepaper §2; unknown charge points are refused)"
    )
    security.add_argument(
        "--security-profile",
        type=int,
        choices=[0, 1, 2, 3],
        default=0,
        help="0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS (default %(default)s)",
    )
    security.add_argument("--tls-cert", type=Path, help="server certificate chain (PEM): wss://")
    security.add_argument("--tls-key", type=Path, help="its private key (PEM)")
    security.add_argument(
        "--tls-cert-rsa",
        type=Path,
        help="a second server chain of the other key type (RSA beside an ECDSA --tls-cert): "
        "the four TLS suites of TC_086 need both",
    )
    security.add_argument("--tls-key-rsa", type=Path, help="its private key (PEM)")
    security.add_argument(
        "--tls-client-ca", type=Path, help="profile 3: the CA that signs charge point certificates"
    )
    security.add_argument(
        "--csr-ca-cert",
        type=Path,
        help="the CA certificate (PEM) that signs charge point CSRs (SignCertificate); "
        "default: one generated at start, trusted for client certificates",
    )
    security.add_argument("--csr-ca-key", type=Path, help="its private key (PEM, unencrypted)")
    security.add_argument(
        "--tls-port",
        type=int,
        help="wss:// on this port beside ws:// on --port, each charge point held to its own "
        "profile (registered with securityProfile)",
    )
    security.add_argument(
        "--charge-points",
        type=Path,
        metavar="FILE",
        help="registered charge points, YAML {CP_1: {password: ...}} (also --seed, /api/chargepoints)",
    )
    security.add_argument(
        "--api-token",
        default=os.environ.get("CSMS_API_TOKEN") or None,
        help="the operator API wants 'Authorization: Bearer TOKEN' (default: $CSMS_API_TOKEN)",
    )
    security.add_argument(
        "--accept-unknown",
        action="store_true",
        help="let charge points in that are not registered (a demo bench)",
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


def _load_seed(path: Path | None, *, charge_points_only: bool = False) -> Seed:
    if path is None:
        return Seed()
    try:
        return load_seed(path, charge_points_only=charge_points_only)
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
        http_limits = HttpLimits(
            max_connections=args.api_max_connections,
            header_timeout=args.api_header_timeout,
            body_timeout=args.api_body_timeout,
            max_body_bytes=args.api_max_body_bytes,
        )
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
            security_profile=args.security_profile,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            tls_cert_rsa=args.tls_cert_rsa,
            tls_key_rsa=args.tls_key_rsa,
            tls_client_ca=args.tls_client_ca,
            csr_ca_cert=args.csr_ca_cert,
            csr_ca_key=args.csr_ca_key,
            tls_port=args.tls_port,
            accept_unknown=args.accept_unknown,
            api_token=args.api_token,
            max_upload_bytes=args.max_upload_bytes,
            max_diagnostics_bytes=args.max_diagnostics_bytes,
            http_limits=http_limits,
        )
    except ValueError as error:  # an unknown fault or variation, a profile without TLS
        raise UsageError(str(error)) from None
    for name in PATH_FIELDS:
        if name == "files_dir":  # a folder, made when missing
            continue
        path = getattr(args, name)
        if path is not None and not path.is_file():
            raise UsageError(f"--{name.replace('_', '-')} {path}: no such file")
    seed = _load_seed(args.seed)
    if args.charge_points is not None:
        extra = _load_seed(args.charge_points, charge_points_only=True)
        seed = Seed(seed.id_tags, seed.charge_points + extra.charge_points)
    try:
        return ReferenceCsms(settings, seed=seed)
    except ValueError as error:  # the CSR CA's files are no PEM certificate and key
        raise UsageError(f"--csr-ca-cert/--csr-ca-key: {error}") from None


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
        if csms.ocpp_tls_url is not None:
            print(f"ocpp tls: {csms.ocpp_tls_url}", flush=True)
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
