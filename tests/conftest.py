"""Scheduling for ``make test`` (pytest-xdist, ``--dist loadgroup``).

Most of this suite waits: on configured timeouts, on a CSMS, on subprocesses. ``make test``
runs it on several workers that take the next test from one queue as they come free; the
tests marked ``slow`` (seconds each) go to the front of that queue, so that they start on
the first free workers instead of ending the run alone (longest first).
"""

from __future__ import annotations

import ssl

import pytest

from simulator.demo_pki import DemoPki as Pki
from simulator.demo_pki import make_demo_pki


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs for seconds (a full suite, a subprocess): scheduled first"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throw-away certificate authority made at test time: no private key is committed."""
    return make_demo_pki(tmp_path_factory.mktemp("pki"), "CP_1")


@pytest.fixture(scope="session")
def server_tls(pki: Pki) -> ssl.SSLContext:
    """A TLS server context with the test CA's certificate for 127.0.0.1 / localhost."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    return context
