"""``tls_probe: handshakes``: the charge point drops its connection and probes the CSMS's
TLS endpoint with fresh handshakes (TC_086, TC_087; catalog §11.0 b): a normal one must
end at TLS 1.2 or 1.3, and one per cipher suite the TCD names must complete with it;
``server_certificate: true`` also checks every server certificate seen (TC_086)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from simulator.cases.steps.base import StepBase


@dataclass(frozen=True)
class TlsProbeStep(StepBase):
    keyword: ClassVar[str] = "tls_probe"
    properties: ClassVar[dict[str, Any]] = {
        "tls_probe": {
            "const": "handshakes",
            "description": "handshakes: a normal TLS handshake (1.2 or 1.3), then one per "
            "TCD cipher suite, offering only it (TLS 1.2)",
        },
        "server_certificate": {
            "type": "boolean",
            "description": "true (TC_086): also check each server certificate seen: key "
            "length, X.509, serial number, subject commonName = the CSMS URL's host",
        },
    }
    hint: ClassVar[str] = "tls_probe: handshakes, with server_certificate: true | false"

    server_certificate: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(**common, server_certificate=raw.get("server_certificate", False))

    def describe(self) -> str:
        return "TLS probe"
