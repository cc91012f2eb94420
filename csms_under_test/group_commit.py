"""One commit for the requests answered in one turn of the event loop (a group commit).

The handlers of charge points' requests write inside :meth:`Store.deferred`; before an
answer leaves, :meth:`GroupCommit.durable` waits until those writes are committed. The
first waiter schedules the commit for the loop's next turn, so every request handled in
the meantime (on any connection) shares it: an answer is still only sent once what it
reports is on disk (a kill -9 loses nothing answered), at one commit per turn instead of
one per request.
"""

from __future__ import annotations

import asyncio
import logging

from csms_under_test.store import Store

logger = logging.getLogger(__name__)


class CommitFailed(Exception):
    """The writes a request made could not be committed: none of them is kept."""


class GroupCommit:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiters: list[asyncio.Future[None]] = []
        self.commits = 0  # how many commits were made: one more means the loop turned

    async def durable(self) -> None:
        """Return once every write made until now is committed: at once if none waits.
        Raises CommitFailed when the commit failed (then none of those writes is kept)."""
        if not self._store.uncommitted:
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        if len(self._waiters) == 1:
            loop.call_soon(self._commit)
        await waiter

    def _commit(self) -> None:
        waiters, self._waiters = self._waiters, []
        self.commits += 1
        try:
            self._store.commit()
        except Exception as error:
            logger.error("commit of %d requests' writes failed: %s", len(waiters), error)
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(CommitFailed(f"the store failed to commit: {error}"))
            return
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
