"""The TC_086 faults that live in the CSMS's TLS material rather than in its code: whoever
makes the bundled CSMS's demo material (``simulator.demo_pki.make_demo_pki``) asks this
module how a fault changes it. Every certificate stays issued by the same generated root,
so the charge point still verifies them: the probe then sees a FAIL, not a set-up ERROR.

The fault names are those of ``csms_under_test.faults`` (kept as strings: the harness
side does not import the reference CSMS for this).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict


class DemoPkiOptions(TypedDict, total=False):
    """Keyword arguments of ``make_demo_pki``."""

    rsa_bits: int
    server_common_name: str


# A commonName no CSMS URL names (RFC 6761 reserves .invalid).
WRONG_COMMON_NAME = "not-the-csms-host.invalid"

MATERIAL_FAULTS: dict[str, DemoPkiOptions] = {
    # Below the whitepaper's 2048 bits (§4.1; catalog §11.0 b); the CSMS serves it at
    # OpenSSL security level 1 under the same fault.
    "tls-rsa-key-short": {"rsa_bits": 1024},
    # The subject commonName is not the host of the CSMS URL (TC_086); the subjectAltName
    # still is, so the certificate verifies.
    "tls-server-cn-mismatch": {"server_common_name": WRONG_COMMON_NAME},
}


def demo_pki_options(faults: Iterable[str]) -> DemoPkiOptions:
    """The ``make_demo_pki`` keyword arguments the switched-on ``faults`` need ({} for none)."""
    options: DemoPkiOptions = {}
    for fault in faults:
        options.update(MATERIAL_FAULTS.get(fault, {}))
    return options
