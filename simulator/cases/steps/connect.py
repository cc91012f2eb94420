"""``connect: accepted | refused``: the charge point drops its connection and makes one
deliberate connection attempt (Security cases, catalog §11.0 a): what it offers and which
credentials it sends, and whether the CSMS must accept or refuse it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from simulator.cases.steps.base import StepBase
from simulator.channel import SUBPROTOCOL, Attempt

OUTCOMES = ("accepted", "refused")


@dataclass(frozen=True)
class ConnectStep(StepBase):
    keyword: ClassVar[str] = "connect"
    properties: ClassVar[dict[str, Any]] = {
        "connect": {
            "enum": list(OUTCOMES),
            "description": "accepted: the CSMS must upgrade the connection (on ocpp1.6) and "
            "it becomes the charge point's; refused: the CSMS must not upgrade it",
        },
        "offer": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},
            "description": "the subprotocols offered in Sec-WebSocket-Protocol, in order "
            f"(default [{SUBPROTOCOL}])",
        },
        "basic_auth": {
            "type": "boolean",
            "description": "false: no Authorization header, whatever the security profile",
        },
        "password": {
            "type": "string",
            "minLength": 1,
            "description": "the HTTP Basic password instead of the configured one; may be a $variable",
        },
    }
    hint: ClassVar[str] = (
        "connect: accepted | refused, with offer: [...], basic_auth: false, password: ..."
    )
    substituted: ClassVar[tuple[str, ...]] = ("password",)

    expect: str = "accepted"
    offer: tuple[str, ...] = (SUBPROTOCOL,)
    basic_auth: bool = True
    password: str | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            expect=raw["connect"],
            offer=tuple(raw.get("offer", (SUBPROTOCOL,))),
            basic_auth=raw.get("basic_auth", True),
            password=raw.get("password"),
        )

    @property
    def attempt(self) -> Attempt:
        return Attempt(self.offer, self.basic_auth, self.password)

    def describe(self) -> str:
        return f"connect ({self.expect})"
