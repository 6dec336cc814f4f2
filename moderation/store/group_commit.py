"""Group commit: concurrent writes of one process share a transaction, and so one fsync.

A durable commit waits for the disk (1-4 ms here), and one at a time that caps a process
at a few hundred comments a second. Requests that arrive while a commit is under way
wait for it to finish; the first of them then writes all of them in the next transaction.
Nobody waits on a timer: a lone request is written at once, and under load the batches
grow by themselves. Every caller still returns only after its own row is committed.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Generic, Sequence, TypeVar

T = TypeVar("T")


class Pending(Generic[T]):
    """One caller's write, and later its outcome: a value or an exception."""

    __slots__ = ("payload", "done", "value", "error")

    def __init__(self, payload: T) -> None:
        self.payload = payload
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def settle(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error, self.done = value, error, True


class GroupCommit(Generic[T]):
    """Runs ``write(batch)`` for batches of concurrent submissions, one batch at a time.

    ``write`` must settle every Pending of the batch (a value or an error); one it
    leaves unsettled is failed with the exception ``write`` raised, or a RuntimeError.
    """

    def __init__(self, write: Callable[[Sequence[Pending[T]]], None], max_batch: int = 64) -> None:
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)
        self._queue: list[Pending[T]] = []
        self._writing = False

    def submit(self, payload: T) -> Any:
        mine = Pending(payload)
        with self._lock:
            self._queue.append(mine)
            while True:
                if mine.done:
                    break
                if not self._writing:
                    # This caller writes the next batch, its own row and whoever queued meanwhile.
                    self._writing = True
                    batch = self._queue[:self._max_batch]
                    del self._queue[:self._max_batch]
                    self._lock.release()
                    try:
                        self._run(batch)
                    finally:
                        self._lock.acquire()
                        self._writing = False
                        self._turn.notify_all()
                    continue
                self._turn.wait()
        if mine.error is not None:
            raise mine.error
        return mine.value

    def _run(self, batch: list[Pending[T]]) -> None:
        try:
            self._write(batch)
        except BaseException as exc:  # handed to every waiter below, re-raised in each
            for pending in batch:
                if not pending.done:
                    pending.settle(error=exc)
            return
        for pending in batch:
            if not pending.done:
                pending.settle(error=RuntimeError("the write left this row without an outcome"))
