"""The answers the CSMS gave to each charge point's recent requests, so that a CALL sent
again is answered as before and processed once (sans I/O: the server asks, then records).

OCPP-J 1.6 §4.1.4: "A message ID for a CALL message MUST be different from all message IDs
previously used by the same sender for CALL messages on the same WebSocket connection."
So, from one charge point:

- the same uniqueId with the same request (action and payload) is the request sent again,
  because its answer was lost or late: it gets the answer it got before, byte for byte, and
  nothing is stored twice. On the same connection that holds for every action. After a
  reconnect it holds for what the charge point queues and delivers again (OCPP 1.6 §3.7:
  StartTransaction, StopTransaction, MeterValues) and for every other action until the
  charge point boots: a BootNotification is never answered from here across connections,
  and once it is processed the answers of earlier connections to other actions are
  forgotten, since a charge point that restarted may number its messages from the start;
- the same uniqueId with a different request on the same connection breaks §4.1.4: it is
  answered with a CALLERROR (the server says which), and the first answer stays;
- the same uniqueId with a different request on a new connection is a new request: the
  rule is per connection, and its answer replaces the old one.

A Heartbeat is always answered afresh: its answer is "the current time of the Central
System" (OCPP 1.6 §4.6, §6.30), which a charge point sets its clock by, and processing it
again stores nothing twice (the time of the last heartbeat).

Bounded: the last MAX_ANSWERS_PER_CHARGE_POINT answers of each charge point, each for
ANSWER_TTL_S seconds, for at most MAX_CHARGE_POINTS charge points (the least recently
heard from is forgotten first). In memory only: a restarted CSMS starts empty.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

# OCPP 1.6 §3.7: the transaction-related messages, which a charge point queues while
# offline and delivers (again) once it is back.
TRANSACTION_RELATED = frozenset({"StartTransaction", "StopTransaction", "MeterValues"})
MAX_ANSWERS_PER_CHARGE_POINT = 64
ANSWER_TTL_S = 600.0
MAX_CHARGE_POINTS = 1024
# Answered afresh each time (see above).
ALWAYS_ANSWERED_AFRESH = frozenset({"Heartbeat"})


# Built once (json.dumps with options builds an encoder per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class RequestDigest:
    """What makes two requests the same: the action and the payload's JSON value (key order
    and spacing on the wire do not count; 1 and true differ, as in JSON).

    It keeps the CALL's text as received (a string: nothing for the garbage collector to
    traverse, unlike the parsed payload) and compares texts first: a retransmission is
    normally the same text. Only texts that differ are parsed again and compared by value,
    which happens only when a uniqueId comes again.
    """

    __slots__ = ("action", "text")

    def __init__(self, action: str, text: str) -> None:
        self.action = action
        self.text = text  # a CALL frame: [2, uniqueId, action, payload]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestDigest):
            return NotImplemented
        if self.action != other.action:
            return False
        return self.text == other.text or _canonical_payload(self.text) == _canonical_payload(
            other.text
        )

    def __hash__(self) -> int:
        return hash(self.action)


def _canonical_payload(text: str) -> str:
    return _CANONICAL.encode(json.loads(text)[3])


def request_digest(action: str, payload: dict[str, Any], text: str | None = None) -> RequestDigest:
    """The digest of a CALL of ``action`` with ``payload``; ``text``: the frame as received
    (made from the payload when not given)."""
    return RequestDigest(
        action, text if text is not None else _CANONICAL.encode([2, "", action, payload])
    )


class RecentAnswer(NamedTuple):
    action: str
    digest: RequestDigest | str
    text: str  # the frame that answered it, as handed to the connection
    connection: int  # the serial of the connection it came on
    at: float  # when it was answered (monotonic seconds)


@dataclass(frozen=True)
class Decision:
    """What to do with a CALL: send ``replay`` again, refuse it because this connection
    already used its uniqueId for a ``reused_by`` request, or (neither) process it."""

    replay: str | None = None
    reused_by: str | None = None


NEW_REQUEST = Decision()


class RecentAnswers:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        per_charge_point: int = MAX_ANSWERS_PER_CHARGE_POINT,
        ttl: float = ANSWER_TTL_S,
        charge_points: int = MAX_CHARGE_POINTS,
    ) -> None:
        self._clock = clock
        self._per_charge_point = per_charge_point
        self._ttl = ttl
        self._charge_points = charge_points
        # charge point id -> uniqueId -> answer, oldest first
        self._answers: OrderedDict[str, OrderedDict[str, RecentAnswer]] = OrderedDict()

    def decide(
        self,
        charge_point_id: str,
        unique_id: str,
        action: str,
        digest: RequestDigest | str,
        connection: int,
    ) -> Decision:
        seen = self._recent(charge_point_id).get(unique_id)  # never a Heartbeat's
        if seen is None:
            return NEW_REQUEST
        same_connection = seen.connection == connection
        if (seen.action, seen.digest) == (action, digest):
            if same_connection or action != "BootNotification":
                return Decision(replay=seen.text)
            return NEW_REQUEST  # a charge point that booted again: answered afresh
        if same_connection:
            return Decision(reused_by=seen.action)
        return NEW_REQUEST

    def remember(
        self,
        charge_point_id: str,
        unique_id: str,
        action: str,
        digest: RequestDigest | str,
        text: str,
        connection: int,
    ) -> None:
        if action in ALWAYS_ANSWERED_AFRESH:
            return
        answers = self._answers.get(charge_point_id)  # expired ones go in decide and below
        if answers is None:
            answers = self._answers[charge_point_id] = OrderedDict()
        else:
            self._answers.move_to_end(charge_point_id)
            answers.pop(unique_id, None)
        answers[unique_id] = RecentAnswer(action, digest, text, connection, self._clock())
        if len(answers) > self._per_charge_point:
            answers.popitem(last=False)
        while len(self._answers) > self._charge_points:
            self._answers.popitem(last=False)

    def forget(self, charge_point_id: str, unique_id: str) -> None:
        """Forget the answer to ``unique_id`` (it was not sent after all: the request sent
        again is processed again)."""
        answers = self._answers.get(charge_point_id)
        if answers is not None:
            answers.pop(unique_id, None)

    def booted(self, charge_point_id: str, connection: int) -> None:
        """A BootNotification was processed on ``connection``: forget the answers of earlier
        connections, but to the transaction-related messages the charge point may still
        deliver again."""
        answers = self._answers.get(charge_point_id)
        if answers is None:
            return
        for unique_id, seen in list(answers.items()):
            if seen.connection != connection and seen.action not in TRANSACTION_RELATED:
                del answers[unique_id]

    def answers(self, charge_point_id: str) -> list[RecentAnswer]:
        """The unexpired answers remembered for the charge point, oldest first."""
        return list(self._recent(charge_point_id).values())

    def _recent(self, charge_point_id: str) -> OrderedDict[str, RecentAnswer]:
        answers = self._answers.get(charge_point_id)
        if answers is None:
            return OrderedDict()
        expired_before = self._clock() - self._ttl
        while answers and next(iter(answers.values())).at <= expired_before:
            answers.popitem(last=False)
        if not answers:
            del self._answers[charge_point_id]
        return answers
