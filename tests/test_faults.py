"""Faults under load: a killed worker, PostgreSQL restarted, a read-only or full database,
a corrupted model; and a reload. Nothing acknowledged is lost, nothing is accepted unchecked.

Each test runs the real service (`moderation serve`, 2 gunicorn workers) in a subprocess;
tests/fault_load.py holds the scenarios and their checks, shared with benchmarks/faults.py.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest
import sqlalchemy as sa

from . import fault_load
from .fault_load import CannotApply, Report, Service, sqlite_url

pytestmark = pytest.mark.faults


def not_here(reason: str) -> None:
    """Skip what this machine cannot do; under CI=true it is expected to, so fail."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def assert_kept_promises(report: Report) -> None:
    print(report.name, report.backend, report.figures(), *report.notes, sep="\n  ")
    assert not report.problems, f"{len(report.problems)} problems:\n" + "\n".join(report.problems[:30])


@pytest.fixture
def sqlite_service(tmp_path):
    with Service(tmp_path, sqlite_url(tmp_path)) as service:
        yield service


@pytest.fixture(scope="module")
def postgres_service(tmp_path_factory):
    # One service for the PostgreSQL scenarios: each start costs seconds of CPU (every
    # worker compiles the rules and loads the model), and each scenario checks only the
    # comments it sent, after the service has acknowledged 50 of them.
    with ExitStack() as stack:
        try:
            url = stack.enter_context(fault_load.postgres_database())
        except sa.exc.OperationalError as err:
            not_here(f"PostgreSQL is not reachable at MODERATION_TEST_POSTGRES_URL: {err.orig}")
        yield stack.enter_context(Service(tmp_path_factory.mktemp("postgres"), url))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_killed_worker_is_replaced_and_nothing_acknowledged_is_lost(request, backend):
    assert_kept_promises(fault_load.worker_killed(request.getfixturevalue(f"{backend}_service")))


def test_a_reload_under_load_refuses_nothing_and_loses_nothing(sqlite_service):
    assert_kept_promises(fault_load.reloaded(sqlite_service))


@pytest.mark.postgres
def test_postgres_restart_answers_503_then_recovers_by_itself(postgres_service):
    cluster = fault_load.postgres_cluster(postgres_service.database_url)
    if cluster is None:
        not_here("restarting PostgreSQL needs root, pg_ctlcluster and the cluster of "
                 "MODERATION_TEST_POSTGRES_URL on this machine")
    try:
        report = fault_load.postgres_restarted(postgres_service, cluster)
    finally:
        fault_load.ensure_running(cluster)
    assert_kept_promises(report)


@pytest.mark.postgres
def test_read_only_database_answers_503_then_recovers_by_itself(postgres_service):
    # PostgreSQL's own read-only switch: no privilege beyond owning the test database.
    assert_kept_promises(fault_load.postgres_read_only(postgres_service))


def test_full_disk_answers_503_then_recovers(tmp_path):
    # The SQLite folder is a small tmpfs of its own, filled up: a full disk, as root on any
    # machine (mount needs CAP_SYS_ADMIN). A read-only folder is no fault for root, who
    # ignores chmod; chattr +i does not stop writes through open files on tmpfs (it does on
    # ext4), so it would test the file system, not the service.
    folder = tmp_path / "db"
    try:
        with fault_load.tmpfs(folder), Service(tmp_path, sqlite_url(folder)) as service:
            report = fault_load.disk_full(service, folder)
    except CannotApply as err:
        not_here(str(err))
    assert_kept_promises(report)


def test_corrupted_model_is_refused_by_a_new_worker_and_nothing_is_accepted_unchecked(tmp_path):
    model = fault_load.copy_model(tmp_path / "model")
    with Service(tmp_path, sqlite_url(tmp_path), model) as service:
        assert_kept_promises(fault_load.model_corrupted(service, model / "model.joblib"))
