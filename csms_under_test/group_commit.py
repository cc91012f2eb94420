"""One commit for the requests answered in one turn of the event loop (a group commit).

The handlers of charge points' requests write inside :meth:`Store.deferred`; before an
answer leaves, :meth:`GroupCommit.durable` waits until those writes are committed. The
first waiter schedules the commit for the loop's next turn (under load: for
MIN_COMMIT_INTERVAL_S after the last commit), so every request handled in the meantime (on
any connection) shares it: an answer is still only sent once what it reports is on disk (a
kill -9 loses nothing answered), at one commit per turn or fewer instead of one per
request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from csms_under_test.store import Store

logger = logging.getLogger(__name__)


class CommitFailed(Exception):
    """The writes a request made could not be committed: none of them is kept."""


# At most one commit per this many seconds: under load the requests of several loop turns
# share a commit (fewer commits, and fewer short turns), at the cost of at most this much
# added latency; a commit that follows a quiet moment is made on the next turn, as before.
MIN_COMMIT_INTERVAL_S = 0.002


class GroupCommit:
    def __init__(self, store: Store, min_interval: float = MIN_COMMIT_INTERVAL_S) -> None:
        self._store = store
        self._min_interval = min_interval
        self._last_commit = -min_interval  # loop time of the last commit
        # Called with None once the commit is made, or with why it failed.
        self._waiters: list[Callable[[CommitFailed | None], None]] = []
        self.commits = 0  # how many commits were made: one more means the loop turned

    def then(self, callback: Callable[[CommitFailed | None], None]) -> None:
        """Call ``callback`` once every write made until now is committed (with None), or
        the commit failed (with the CommitFailed; then none of those writes is kept): at
        once if nothing is to commit and no one waits (so that what waits goes first)."""
        if not self._waiters and not self._store.uncommitted:
            callback(None)
            return
        self._waiters.append(callback)
        if len(self._waiters) == 1:
            loop = asyncio.get_running_loop()
            wait = self._last_commit + self._min_interval - loop.time()
            if wait > 0:
                loop.call_later(wait, self._commit)
            else:
                loop.call_soon(self._commit)

    async def durable(self) -> None:
        """Return once every write made until now is committed: at once if none waits.
        Raises CommitFailed when the commit failed (then none of those writes is kept)."""
        if not self._waiters and not self._store.uncommitted:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake(failed: CommitFailed | None) -> None:
            if waiter.done():
                return
            if failed is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(failed)

        self.then(wake)
        await waiter

    def _commit(self) -> None:
        waiters, self._waiters = self._waiters, []
        self.commits += 1
        self._last_commit = asyncio.get_running_loop().time()
        failed = None
        try:
            self._store.commit()
        except Exception as error:
            logger.error("commit of %d requests' writes failed: %s", len(waiters), error)
            failed = CommitFailed(f"the store failed to commit: {error}")
        for waiter in waiters:
            try:
                waiter(failed)
            except Exception:
                logger.exception("a request's answer failed after the commit")
