"""The arbiter stops a reload's old workers only once the new ones listen (moderation/arbiter.py)."""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

from moderation.arbiter import ListeningArbiter


def arbiter_with(ages: dict[int, int], reported: set[int], timeout: float = 5.0) -> ListeningArbiter:
    """A ListeningArbiter's waiting state without gunicorn behind it: workers by pid and age."""
    arbiter = object.__new__(ListeningArbiter)
    arbiter.WORKERS = {pid: SimpleNamespace(age=age) for pid, age in ages.items()}
    arbiter._num_workers = 2
    arbiter.cfg = SimpleNamespace(graceful_timeout=timeout)
    arbiter._listening = set(reported)
    arbiter._reports, write = os.pipe()
    os.set_blocking(arbiter._reports, False)
    arbiter.write_end = write
    return arbiter


def test_the_old_workers_wait_until_both_new_ones_report():
    # 11 and 12 are the old workers, 21 and 22 the reload's new ones.
    arbiter = arbiter_with({11: 1, 12: 2, 21: 3, 22: 4}, reported={11, 12})
    reports = threading.Timer(0.3, lambda: (os.write(arbiter.write_end, b"21\n"),
                                            time.sleep(0.2), os.write(arbiter.write_end, b"22\n")))
    started = time.monotonic()
    reports.start()
    arbiter._wait_for_new_listeners()
    waited = time.monotonic() - started
    assert waited >= 0.45  # both reports were needed, not just the first
    assert {21, 22} <= arbiter._listening


def test_a_new_worker_that_never_reports_holds_the_old_ones_only_until_the_timeout():
    arbiter = arbiter_with({11: 1, 12: 2, 21: 3, 22: 4}, reported={11, 12, 21}, timeout=0.3)
    started = time.monotonic()
    arbiter._wait_for_new_listeners()
    assert 0.3 <= time.monotonic() - started < 3


def test_reports_of_workers_that_are_gone_are_forgotten(monkeypatch):
    from gunicorn.arbiter import Arbiter

    monkeypatch.setattr(Arbiter, "manage_workers", lambda self: None)
    arbiter = arbiter_with({21: 3, 22: 4}, reported={11, 12})
    os.write(arbiter.write_end, b"21\n22\n")
    arbiter.manage_workers()
    assert arbiter._listening == {21, 22}
