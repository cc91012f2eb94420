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

Reading, the common frame (complete, unfragmented, masked text, within max_size) is taken
from the bytes read as they come (:meth:`_whole_data_frames`); websockets' parser, which
costs more per frame, takes everything else from the first such frame on: control frames,
fragments, frames split across reads, and every frame that breaks RFC 6455.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State

try:  # websockets' C unmasking, as its own parser uses it
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - a build of websockets without its C extension
    from websockets.utils import apply_mask

logger = logging.getLogger(__name__)

# Messages read ahead of the one being handled before reading stops.
MAX_BACKLOG = 32

# RFC 6455 §5.2: the first byte's FIN bit (RSV bits clear), the second's MASK bit; the
# shortest client frame (2 bytes of header, 4 of masking key).
FIN_ONLY = 0x80
MASKED = 0x80
MIN_CLIENT_FRAME = 6
DATA_OPCODES = {Opcode.TEXT.value: Opcode.TEXT, Opcode.BINARY.value: Opcode.BINARY}

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
            rest = self._whole_data_frames(data) if self._at_frame_boundary() else data
            if rest:
                super().data_received(rest)
        finally:
            self._first_of_read = False

    def _at_frame_boundary(self) -> bool:
        """websockets' parser waits for a new frame, with nothing read of it yet, and no
        fragmented message is under way: the next bytes are a frame's first."""
        protocol = self.protocol
        return (
            protocol.state is State.OPEN
            and protocol.current_size is None
            and not protocol.reader.buffer
            and not self._fragments
        )

    def _whole_data_frames(self, data: bytes) -> bytes:
        """Take the complete, unfragmented, masked text and binary frames at the start of
        ``data`` (RFC 6455 §5.2: FIN set, no RSV bit, as no extension is negotiated) as
        messages; return the rest, from the first frame that is anything else (control,
        fragment, larger than max_size, incomplete, not masked), for websockets to parse."""
        limit = self.protocol.max_message_size
        start, end = 0, len(data)
        while end - start >= MIN_CLIENT_FRAME:
            first, second = data[start], data[start + 1]
            opcode = first & 0x0F
            if first & 0xF0 != FIN_ONLY or opcode not in DATA_OPCODES or not second & MASKED:
                break
            length, head = second & 0x7F, start + 2
            if length == 126:
                length, head = int.from_bytes(data[head : head + 2], "big"), head + 2
            elif length == 127:
                length, head = int.from_bytes(data[head : head + 8], "big"), head + 8
            frame_end = head + 4 + length
            if (limit is not None and length > limit) or frame_end > end:
                break
            payload = apply_mask(data[head + 4 : frame_end], data[head : head + 4])
            start = frame_end
            self._message(DATA_OPCODES[opcode], payload)
            if self.protocol.state is not State.OPEN:  # invalid UTF-8 failed the connection
                break
        return data[start:]

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
