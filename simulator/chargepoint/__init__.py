"""The virtual charge point: its state, the requests it builds and its default answers."""

from simulator.chargepoint.model import ChargePoint, Transaction

__all__ = ["ChargePoint", "Transaction"]
