"""The reference CSMS bundled with the harness: a small but real OCPP 1.6-J Central System.

It answers the charge point's requests of the Core and Firmware Management profiles from a
SQLite store, exposes an operator HTTP API to make it send CSMS-initiated requests (which it
completes from the store: local authorization lists, reservations, ...), and can be started
with deliberate faults so that each test case can be shown to catch the defect it exists for.
It is a program of its own: its settings (:class:`CsmsSettings`) and what it is provisioned
with (:class:`Seed`) are its own, and of this project it imports only ``ocppj``.
"""

from csms_under_test.app import ReferenceCsms
from csms_under_test.background import BackgroundCsms, BackgroundCsmsError
from csms_under_test.faults import FAULTS, Faults
from csms_under_test.seed import Seed
from csms_under_test.settings import CsmsSettings

__all__ = [
    "FAULTS",
    "BackgroundCsms",
    "BackgroundCsmsError",
    "CsmsSettings",
    "Faults",
    "ReferenceCsms",
    "Seed",
]
