"""The web app's shared pool under abuse: an upload cannot hide its work, one session's big run
cannot hold up another's, a running task can be stopped (cancelled or past its time limit), and a
worker's memory is capped.

Every test proves a mechanism with the order of events, not a stopwatch: where a time matters,
the margin is several times what the mechanism needs on a loaded 2-core machine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from salessim.app.budget import (
    MAX_REPLICATION_UNITS,
    WorkLimitError,
    check_work,
    replication_work,
)
from salessim.app.levers import with_horizon
from salessim.app.pool import (
    MEMORY_ENV,
    TASK_SECONDS_ENV,
    JobFailed,
    SimulationPool,
    TaskStopped,
)
from salessim.app.uploads import UploadError, load_uploaded_scenario
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.scenario_files import load_scenario, scenario_with
from salessim.workload import estimate

SEED = 5

# Four year-long ×20 lead campaigns back to back on both sources: the file that was estimated
# at "≈ 4.0 units" by the app's old formula (which ignored campaigns) while it ran for 35 s.
CAMPAIGNS = "".join(
    f"      - {{start_day: {252 * k}, duration_days: 252, volume_multiplier: 20}}\n"
    for k in range(4)
)
STACKED_CAMPAIGNS = (
    "extends: baseline\n"
    "lead_sources:\n"
    "  - name: web_inbound\n"
    "    campaigns:\n" + CAMPAIGNS + "  - name: content\n    campaigns:\n" + CAMPAIGNS
).encode()


@pytest.fixture(scope="module")
def short() -> Scenario:
    """The baseline, two quarters long: a fraction of a second per replication."""
    return with_horizon(load_scenario("baseline"), 2)


@pytest.fixture()
def one_worker() -> Iterator[SimulationPool]:
    pool = SimulationPool(workers=1)
    yield pool
    pool.shutdown()


# ----------------------------------------------------------------------------- the estimate
def test_an_upload_is_estimated_by_everything_it_asks_for() -> None:
    stacked = load_uploaded_scenario("campaigns.yaml", STACKED_CAMPAIGNS)
    # The app counts work with the command line's estimator: the campaigns' extra leads count.
    assert replication_work(stacked) == pytest.approx(estimate(stacked))
    assert replication_work(stacked) > 4.0  # measured: 3.2 times the baseline's CPU time
    # 25 replications of it and of the baseline are over the request cap of the app (the old
    # formula counted them as 50 units).
    with pytest.raises(WorkLimitError, match="too big"):
        check_work([load_scenario("baseline"), stacked], 25)
    # A scenario whose one replication is past the cap is refused whatever the replications.
    huge = scenario_with(load_scenario("baseline"), {"aes.count": 300})
    assert replication_work(huge) > MAX_REPLICATION_UNITS
    with pytest.raises(WorkLimitError, match="one replication may use at most"):
        check_work([huge], 1)


def test_a_block_of_a_fraction_of_a_second_is_refused_on_upload() -> None:
    text = b"extends: baseline\nprospecting:\n  block_hours: 1e-7\n"
    with pytest.raises(UploadError, match=r"block\.yaml.*prospecting\.block_hours"):
        load_uploaded_scenario("block.yaml", text)


# ------------------------------------------------------------------------------- fair share
def test_a_small_request_is_served_between_the_tasks_of_a_big_one(
    one_worker: SimulationPool, short: Scenario
) -> None:
    """With one worker, a session's 40-replication request is queued first; a second session's
    one replication then waits for at most the task already running, not the whole request.
    (In submission order, the second session would get its answer only after all 40.)"""
    big = one_worker.submit([short], 40, SEED)
    tasks = len(big._needs)
    assert tasks >= 4, "the big request must be cut into several tasks for this test"
    small = one_worker.submit([scenario_with(short, {"aes.count": 9})], 1, SEED)
    with big, small:
        assert small.wait(timeout=120)
        done_when_answered, total = big.progress()
        assert not big.done()
        # The running task and at most one more of the big request before the small one.
        chunk = max(len(slots) for slots in big._needs.values())
        assert done_when_answered <= 2 * chunk < total
        assert len(small.result()[0]) == 1


# ------------------------------------------------------------------- stopping running tasks
def test_a_task_past_its_time_limit_is_stopped_and_the_worker_freed(short: Scenario) -> None:
    slow = scenario_with(load_scenario("baseline"), {"aes.count": 30})  # a few seconds
    pool = SimulationPool(workers=1, task_seconds=0.5)
    try:
        with pool.submit([slow], 1, SEED) as job, pytest.raises(JobFailed) as failed:
            job.result()
        message = str(failed.value)
        assert "scenario 'baseline'" in message and "time limit of one task" in message
        assert "\n" not in message
        with pool.submit([short], 1, SEED) as after:  # the same worker takes the next task
            assert len(after.result()[0]) == 1
    finally:
        pool.shutdown()


def test_a_cancelled_job_stops_its_running_task(
    one_worker: SimulationPool, short: Scenario
) -> None:
    slow = scenario_with(load_scenario("baseline"), {"aes.count": 60})  # ~10 s of one core
    job = one_worker.submit([slow], 1, SEED)
    (future,) = job._needs
    deadline = time.monotonic() + 60
    while not future.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert future.running()
    time.sleep(0.5)  # well inside the replication
    started = time.monotonic()
    job.cancel()
    with pytest.raises(TaskStopped, match="cancelled"):
        future.result(timeout=30)
    stopped_after = time.monotonic() - started
    assert stopped_after < 5.0, f"the task went on for {stopped_after:.1f} s after cancel"
    # Nothing of it is offered to a new job: a new request of the same runs starts afresh.
    assert one_worker.tasks_in_flight() == 0
    with one_worker.submit([short], 1, SEED) as after:
        assert len(after.result()[0]) == 1


def test_a_task_another_session_waits_for_is_not_stopped(
    one_worker: SimulationPool, short: Scenario
) -> None:
    first = one_worker.submit([short], 2, SEED + 1)
    second = one_worker.submit([short], 2, SEED + 1)  # the same runs: it waits for the same task
    first.cancel()
    with second:
        assert len(second.result()[0]) == 2


# ----------------------------------------------------------------------------------- memory
def _address_space_mb(pid: int) -> float:
    """A process's virtual address space (VmSize), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmSize in /proc/{pid}/status")


def test_a_worker_that_needs_too_much_memory_fails_alone() -> None:
    """The cap is on address space, so it is set 300 MB above what a worker already maps (which
    depends on the libraries installed): 1 GB more fails in that worker alone, 10 MB does not."""
    probe = SimulationPool(workers=1)
    try:
        executor = probe._get_executor()
        executor.submit(load_scenario, "baseline").result(timeout=60)  # warm, as after a task
        mapped = _address_space_mb(executor.submit(os.getpid).result(timeout=60))
    finally:
        probe.shutdown()
    pool = SimulationPool(workers=1, memory_mb=mapped + 300)
    try:
        executor = pool._get_executor()
        with pytest.raises(MemoryError):
            executor.submit(bytearray, 1024**3).result(timeout=60)  # 1 GB > the 300 MB left
        assert executor.submit(bytearray, 10 * 1024**2).result(timeout=60)  # 10 MB is fine
        with pool.submit([with_horizon(load_scenario("baseline"), 2)], 1, SEED) as job:
            assert len(job.result()[0]) == 1  # and the worker goes on
    finally:
        pool.shutdown()


@pytest.mark.parametrize("name", [TASK_SECONDS_ENV, MEMORY_ENV])
@pytest.mark.parametrize("text", ["junk", "-3", "0"])
def test_pool_limits_from_the_environment_are_checked(
    monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    monkeypatch.setenv(name, text)
    with pytest.raises(SalessimError, match=name) as refused:
        SimulationPool(workers=1)
    assert "\n" not in str(refused.value)
