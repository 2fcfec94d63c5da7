"""One ordered background worker: requests queue items, a daemon thread (a greenlet under the production
server's gevent) handles them in order, in batches, after the request has answered.

Used by the publisher to send Socket.IO events: sending one event to a room of a thousand screens is a
thousand queued writes, and under gevent the request that made the change would wait for them.
"""
from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import deque
from typing import Callable

log = logging.getLogger(__name__)

# An idle worker ends after this long and the next item starts another: an app that is gone (tests
# build many) keeps no thread.
IDLE_EXIT_SECONDS = 15.0
# At interpreter exit (a command, a stopping server) queued items are still handled, this long at most.
EXIT_FLUSH_SECONDS = 5.0

_live: "weakref.WeakSet[OrderedWorker]" = weakref.WeakSet()


class OrderedWorker:
    """Items are handled in the order they were put, by `handle(batch)`, one batch at a time."""

    def __init__(self, name: str, handle: Callable[[list], None]):
        self.name = name
        self._handle = handle
        self._queue: deque = deque()
        # Guards the queue, `_busy` and `_thread`; wakes the thread (new items) and `wait_idle` (drained).
        self._changed = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        _live.add(self)

    def put(self, *items) -> None:
        with self._changed:
            self._queue.extend(items)
            # Not alive: never started, ended when idle, or left behind in the parent of a fork.
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def idle(self) -> bool:
        with self._changed:
            return not self._queue and not self._busy

    def wait_idle(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything put so far has been handled; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._queue and not self._busy, timeout)

    def _run(self) -> None:
        me = threading.current_thread()
        try:
            while True:
                with self._changed:
                    self._busy = False
                    while not self._queue:
                        self._changed.notify_all()  # idle: wake wait_idle
                        if not self._changed.wait(IDLE_EXIT_SECONDS) and not self._queue:
                            self._thread = None  # under the lock: the next item starts a new thread
                            return
                    self._busy = True
                    batch = list(self._queue)
                    self._queue.clear()
                try:
                    self._handle(batch)
                except Exception:  # one bad batch must not stop the worker for good
                    log.exception("%s could not handle %d item(s)", self.name, len(batch))
        finally:
            with self._changed:
                self._busy = False
                if self._thread is me:
                    self._thread = None
                self._changed.notify_all()


@atexit.register
def _flush_at_exit() -> None:
    for worker in list(_live):
        if not worker.idle() and not worker.wait_idle(EXIT_FLUSH_SECONDS):
            log.warning("%s: items still queued at exit were not handled", worker.name)
