"""The OCPP endpoint's WebSocket connection: each message handed to the CSMS as it is read,
one at a time per connection, with no task, future or lock per message.

websockets' own :class:`~websockets.asyncio.server.ServerConnection` queues each message
for a ``recv()`` coroutine and writes each answer under an async context manager: about a
quarter of the CSMS's CPU per request under load (``make bench-csms``). This subclass keeps
websockets for the handshake, framing, ping/pong and the closing handshake, and replaces
the message path:

- a data frame (or the frames of a fragmented message, RFC 6455 §5.4) becomes a message
  that goes to the handler set by :meth:`serve_messages`. The handler takes the message
  and a ``done`` callback, and calls ``done`` once it is through with it (at once, or after
  the commit or the task it waited for); the next message of the connection waits until
  then, so each connection's messages are still handled strictly in order;
- fair: the first message of what one read brought is handled at once when its connection
  is idle; every other waits for a turn of the loop, one message per connection and turn,
  so that every other connection has its turn in between; messages that arrive meanwhile wait in a backlog of
  at most ``MAX_BACKLOG``, beyond which the socket is no longer read (TCP backpressure);
- :meth:`send_now` writes an answer at once; while the peer does not read what it is sent
  (the transport's write buffer is full), no further message is handled.

A text frame that is no UTF-8 fails the connection with 1007 (RFC 6455 §8.1), as websockets
does.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State

logger = logging.getLogger(__name__)

# Messages read ahead of the one being handled before reading stops.
MAX_BACKLOG = 32

Message = str | bytes
Done = Callable[[], None]
MessageHandler = Callable[[Message, Done], None]


class OcppConnection(ServerConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handler: MessageHandler | None = None
        self._backlog: deque[Message] = deque()
        self._fragments: list[Frame] = []
        self._in_flight = False  # the handler has a message and has not called done yet
        self._scheduled = False  # the next message is due on the loop's next turn
        self._reading_paused = False
        self._first_of_read = False  # within data_received, until one message is handled

    # -- incoming ------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self._first_of_read = True
        try:
            super().data_received(data)
        finally:
            self._first_of_read = False

    def process_event(self, event: Any) -> None:
        if self.request is None or not isinstance(event, Frame):
            super().process_event(event)  # the handshake request
            return
        opcode = event.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if event.fin:
                self._message(opcode, bytes(event.data))
            else:
                self._fragments = [event]
        elif opcode is Opcode.CONT:
            # websockets' parser bounds the message's size across its fragments (max_size).
            self._fragments.append(event)
            if event.fin:
                frames, self._fragments = self._fragments, []
                self._message(frames[0].opcode, b"".join(frame.data for frame in frames))
        else:
            super().process_event(event)  # ping, pong, close: websockets' own handling

    def _message(self, opcode: Opcode, data: bytes) -> None:
        message: Message = data
        if opcode is Opcode.TEXT:
            try:
                message = data.decode("utf-8")
            except UnicodeDecodeError as error:
                self.protocol.fail(
                    CloseCode.INVALID_DATA, f"{error.reason} at position {error.start}"
                )
                self.send_data()
                return
        idle = not self._backlog and not self._in_flight and not self._scheduled
        self._backlog.append(message)
        if idle and self._first_of_read and self._handler is not None and not self.paused:
            # The first message of what was read: this connection's turn already.
            self._first_of_read = False
            self._next()
            return
        if len(self._backlog) >= MAX_BACKLOG and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()
        self._schedule()

    def serve_messages(self, handler: MessageHandler) -> None:
        """Hand this connection's messages to ``handler`` from now on, those read already
        first."""
        self._handler = handler
        self._schedule()

    def _schedule(self) -> None:
        if self._handler is None or self._in_flight or self._scheduled or not self._backlog:
            return
        self._scheduled = True
        self.loop.call_soon(self._next)

    def _next(self) -> None:
        self._scheduled = False
        if self._in_flight or not self._backlog or self.paused:
            return  # paused: resume_writing schedules it again
        if self.protocol.state is not State.OPEN:
            self._backlog.clear()
            return
        message = self._backlog.popleft()
        if self._reading_paused and len(self._backlog) < MAX_BACKLOG // 2:
            self._reading_paused = False
            self.transport.resume_reading()
        self._in_flight = True
        called = False

        def done() -> None:
            nonlocal called
            if called:
                return
            called = True
            self._in_flight = False
            self._schedule()

        assert self._handler is not None
        try:
            self._handler(message, done)
        except Exception:
            logger.exception("handling a message failed")
            done()

    # -- outgoing ------------------------------------------------------------------------
    def send_now(self, text: str) -> bool:
        """Write ``text`` in a text frame at once; False if the connection is no longer open
        (then nothing is sent)."""
        if self.protocol.state is not State.OPEN:
            return False
        self.protocol.send_text(text.encode())
        self.send_data()
        return True

    def resume_writing(self) -> None:
        super().resume_writing()
        self._schedule()

    def connection_lost(self, exc: Exception | None) -> None:
        self._backlog.clear()
        self._handler = None
        super().connection_lost(exc)
