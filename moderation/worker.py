"""The gunicorn worker the service runs: gthread, and with a socket per worker, one that
stops listening as soon as it stops taking requests.

With ``reuse_port`` every worker has a listening socket of its own and the kernel hands each
new connection to one of them. gunicorn's gthread worker keeps its socket open until it
exits, and a stopping worker (max_requests, a reload, SIGTERM) waits up to 2 s for its
kept-alive clients: the connections the kernel queues on its socket meanwhile are reset when
it closes. This worker answers what is already queued and closes its socket at once, so new
connections go to the workers that stay. (A worker killed outright still drops its queue.)
"""

from __future__ import annotations

import os
import socket

from gunicorn.workers.gthread import ThreadWorker

# The pipe a new worker writes its pid to once its sockets listen (arbiter.py sets it before
# it forks; None outside the service's arbiter, as in the HTTP benchmark's bare server).
listening_fd: int | None = None


def owns_sockets(cfg) -> bool:
    """Whether each worker listens on a socket of its own (gunicorn binds it after the fork)."""
    return bool(cfg.reuse_port) and hasattr(socket, "SO_REUSEPORT")


class Worker(ThreadWorker):
    def _own_sockets(self) -> bool:
        return owns_sockets(self.cfg)

    def init_process(self) -> None:
        # gunicorn bound this worker's sockets before it got here; connections queue on them
        # while the app loads, so the old workers of a reload may stop listening now.
        if listening_fd is not None and self._own_sockets():
            os.write(listening_fd, b"%d\n" % os.getpid())
        super().init_process()

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive and self._own_sockets():
            self.stop_listening()

    def stop_listening(self) -> None:
        """Take what is queued on this worker's sockets, then close them, so the kernel
        sends new connections to the other workers instead of resetting them later."""
        for listener in self.sockets:
            listener.setblocking(False)
            while True:
                before = self.nr_conns
                self.accept(listener)  # one connection, or nothing when the queue is empty
                if self.nr_conns == before:
                    break
            listener.close()
        self.sockets = []
