"""Start the bundled reference CSMS in-process, on a free loopback port, with a fresh
database: the default target of both front ends."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.config import HarnessConfig, Security
from simulator.demo_pki import DemoPki, demo_roots, make_demo_pki
from simulator.tls_faults import demo_pki_options

if TYPE_CHECKING:
    from csms_under_test.settings import OperatorApiMode
    from reports.results import RunResult
    from simulator.cases import Case


# The host the bundled CSMS's wss:// URL names: its server certificates' commonName, as
# TC_086 checks (a loopback name, so it stays on 127.0.0.1). The bundled CSMS runs every
# security profile: 2 and 3 on a wss:// listener beside the ws:// one, with TLS material
# made at its start (simulator.demo_pki).
BUNDLED_TLS_HOST = "localhost"


@dataclass(frozen=True)
class Bundled:
    """Where the bundled CSMS listens, and the TLS material a charge point uses with it."""

    ocpp_url: str  # ws://
    api_url: str
    tls_url: str | None = None  # wss://, when the PICS supports profile 2 or 3
    pki: DemoPki | None = None

    def __iter__(self) -> Iterator[str]:
        """Unpacks as ``(ocpp_url, api_url)``, what most callers need."""
        return iter((self.ocpp_url, self.api_url))

    def harness_config(self, config: HarnessConfig) -> HarnessConfig:
        """``config`` with the bundled CSMS's file locations and, for TLS, its wss:// URL,
        its CA and the charge point's client certificate (the PICS's own are for another
        CSMS: these are the only ones the bundled CSMS trusts)."""
        config = with_bundled_roots(with_bundled_file_locations(config, self.api_url))
        if self.pki is None or self.tls_url is None:
            return config
        pki = self.pki
        security = {
            "tls_url": self.tls_url,
            "ca_file": str(pki.ca),
            "client_certificate": str(pki.client_cert),
            "client_key": str(pki.client_key),
        }
        return config.with_overrides(security=security)


@contextmanager
def bundled_csms(
    config: HarnessConfig,
    faults: Sequence[str] = (),
    variations: Sequence[str] = (),
    *,
    operator_api: OperatorApiMode = "full",
) -> Iterator[Bundled]:
    """Start the bundled CSMS for ``config``. ``operator_api`` "raw": the API offers
    only the raw send route (as a CSMS whose admin API can only pass a request on)."""
    from csms_under_test.background import BackgroundCsms
    from simulator.bundled_seed import seed_for, settings_for

    with tempfile.TemporaryDirectory(prefix="csms-under-test-") as folder:
        pki = None
        if config.security.uses_tls:
            pki = make_demo_pki(
                Path(folder) / "pki",
                config.charge_point.id,
                host=BUNDLED_TLS_HOST,
                **demo_pki_options(faults),  # TC_086's faults in the material itself
            )
        settings = settings_for(config, Path(folder) / "csms.sqlite3", faults, variations, pki)
        settings = dataclasses.replace(settings, operator_api=operator_api)
        csms = BackgroundCsms(settings, seed=seed_for(config))
        with csms:
            tls_url = csms.ocpp_tls_url
            if tls_url is not None:
                tls_url = tls_url.replace("//127.0.0.1:", f"//{BUNDLED_TLS_HOST}:", 1)
            yield Bundled(csms.ocpp_url, csms.api_url, tls_url, pki)


def with_bundled_roots(config: HarnessConfig) -> HarnessConfig:
    """``config`` with a fresh self-signed root for every root certificate the PICS leaves
    unset (TC_075_x, TC_076, TC_078): the bundled CSMS's operator is handed them too."""
    security = config.security
    unset = {
        key.replace("_certificate", "_pem"): pem
        for key, pem in demo_roots().items()
        if not getattr(security, key.replace("_certificate", "_pem"))
    }
    return config.with_overrides(security=unset)


def with_bundled_file_locations(config: HarnessConfig, api_url: str) -> HarnessConfig:
    """``config`` with every unset ``file_transfer`` location pointed at the bundled CSMS's
    files (served on its operator API server, see csms_under_test.files): its demo firmware,
    a firmware name it does not have (a real 404), its diagnostics folder, and its read-only
    firmware folder as an upload target (a real 405); GetLog uploads go to the diagnostics
    folder, and SignedUpdateFirmware fetches its signed image, whose signature and signing
    certificate are made now (simulator.firmware_signing) unless the PICS gives its own."""
    from csms_under_test.files import DEMO_FIRMWARE_NAME, FILES_PATH, SIGNED_FIRMWARE_NAME

    files = api_url.removesuffix("/api") + FILES_PATH
    bundled = {
        "firmware_location": f"{files}/firmware/{DEMO_FIRMWARE_NAME}",
        "firmware_failing_location": f"{files}/firmware/missing-{DEMO_FIRMWARE_NAME}",
        "diagnostics_location": f"{files}/diagnostics/",
        "diagnostics_failing_location": f"{files}/firmware/",
        "log_location": f"{files}/diagnostics/",
        "signed_firmware_location": f"{files}/firmware/{SIGNED_FIRMWARE_NAME}",
    }
    unset = {k: v for k, v in bundled.items() if not getattr(config.file_transfer, k)}
    security = config.security
    own_material = security.firmware_signature or security.firmware_signing_certificate
    if "signed_firmware_location" not in unset or own_material:
        return config.with_overrides(file_transfer=unset)
    return config.with_overrides(file_transfer=unset, security=_bundled_signing(security))


def _bundled_signing(security: Security) -> dict[str, str]:
    """Signing material for the bundled CSMS's signed image (TC_080, TC_081)."""
    from csms_under_test.files import signed_demo_firmware
    from simulator.firmware_signing import signing_material

    material = signing_material(signed_demo_firmware())
    return {
        "firmware_signature": material.signature,
        "firmware_signing_certificate": material.signing_certificate,
        "invalid_firmware_signature": security.invalid_firmware_signature
        or material.invalid_signature,
    }


def run_on_bundled(
    config: HarnessConfig,
    cases: list[Case],
    faults: Sequence[str] = (),
    variations: Sequence[str] = (),
) -> RunResult:
    """Run ``cases`` against a fresh bundled CSMS with ``faults`` and ``variations``."""
    from simulator.runner.suite import SuiteSession, Target

    target = Target(faults=tuple(faults), variations=tuple(variations))
    with SuiteSession(config, target) as suite:
        return asyncio.run(suite.run(cases))


def default_cases_dir() -> Path:
    """The cases that ship with the harness: the ``testcases`` package, which the wheel
    installs beside ``simulator`` and a checkout holds beside it. Never the current folder:
    a run takes the shipped cases unless told otherwise (:func:`case_files`)."""
    return Path(__file__).resolve().parent.parent / "testcases"


def case_files(replace: Sequence[Path] | None = None, add: Sequence[Path] = ()) -> list[Path]:
    """The case files of a run: those of the folders ``replace`` (in the shipped cases'
    place) or else the shipped ones, then those of the folders ``add``. A folder holds
    ``<block>/<id>.yaml``; one that does not exist or holds no case file is an InputError.
    A file reached twice counts once; two files with one case id are the loader's error."""
    from simulator.cases import discover_cases
    from simulator.errors import InputError

    files: list[Path] = []
    seen: set[Path] = set()
    for folder in [*(replace or [default_cases_dir()]), *add]:
        if not folder.is_dir():
            raise InputError(f"case folder {folder} does not exist")
        found = discover_cases(folder)
        if not found:
            raise InputError(f"case folder {folder} holds no case file (<block>/<id>.yaml)")
        for path in found:
            if path.resolve() not in seen:
                seen.add(path.resolve())
                files.append(path)
    return files
