"""gunicorn's arbiter, made to keep the port answering while a reload replaces the workers.

With a socket per worker (``reuse_port``) the arbiter holds none: each worker binds its own
right after it is forked. On a reload gunicorn forks the new workers and at once tells the old
ones to stop, and an old worker closes its socket as soon as it stops (worker.py). A client
that connects after the last old socket closed and before the first new one is bound is
refused. So each new worker reports through a pipe once its sockets listen (it queues
connections from then on, while it loads the app), and the old workers are told to stop only
after the new ones have reported, or after ``graceful_timeout`` if one never does.
"""

from __future__ import annotations

import os
import select
import time

from gunicorn.arbiter import Arbiter

from . import worker


class ListeningArbiter(Arbiter):
    def __init__(self, app) -> None:
        super().__init__(app)
        self._listening: set[int] = set()
        self._reports = None
        if worker.owns_sockets(self.cfg):
            # Forked workers inherit the write end (worker.py writes their pid to it).
            self._reports, worker.listening_fd = os.pipe()
            os.set_blocking(self._reports, False)

    def manage_workers(self) -> None:
        if self._reports is not None:
            # Read on every pass, so the pipe never fills and blocks a worker that reports.
            self._read_reports()
            self._listening &= set(self.WORKERS)  # forget workers that are gone
            if len(self.WORKERS) > self.num_workers:
                self._wait_for_new_listeners()
        super().manage_workers()

    def _wait_for_new_listeners(self) -> None:
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline:
            newest = sorted(self.WORKERS, key=lambda pid: self.WORKERS[pid].age)[-self.num_workers:]
            if all(pid in self._listening for pid in newest):
                return
            select.select([self._reports], [], [], 0.05)
            self._read_reports()

    def _read_reports(self) -> None:
        data = b""
        while True:
            try:
                chunk = os.read(self._reports, 4096)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        # Each report is one write of a few bytes, which a pipe keeps whole.
        self._listening.update(int(pid) for pid in data.split())
