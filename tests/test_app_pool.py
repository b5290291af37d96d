"""The web app's shared pool under abuse: an upload cannot hide its work, one session's big run
cannot hold up another's, a running task can be stopped (cancelled or past its time limit), and a
worker's memory is capped.

Every test proves a mechanism with the order of events, not a stopwatch: where a time matters,
the margin is several times what the mechanism needs on a loaded 2-core machine.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from salessim.app.budget import (
    FIRST_ESTIMATE_REPLICATIONS,
    MAX_REPLICATION_UNITS,
    WorkLimitError,
    check_work,
    replication_work,
)
from salessim.app.levers import with_horizon
from salessim.app.pool import (
    MEMORY_ENV,
    TASK_SECONDS_ENV,
    Job,
    JobFailed,
    SimulationPool,
    TaskStopped,
)
from salessim.app.uploads import UploadError, load_uploaded_scenario
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.experiments import run_replication
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


# ------------------------------------------------- first estimates, fair turns and sharing
Handed = list[tuple[int, list[tuple[int, int]]]]


def _finishing_order(jobs: list[Job]) -> Handed:
    """The jobs' tasks in the order they finish, as (job position, the slots it fills); with
    one worker, the order the pool handed them out."""
    order: Handed = []
    lock = threading.Lock()

    def finished(j: int, wanted: list[tuple[int, int]], _future: Future[Any]) -> None:
        with lock:
            order.append((j, wanted))

    for j, job in enumerate(jobs):
        for future, wanted in job._needs.items():
            future.add_done_callback(partial(finished, j, wanted))
    return order


def _early(wanted: list[tuple[int, int]]) -> bool:
    """Whether a task fills any of the first replications (those of a first estimate)."""
    return min(i for _, i in wanted) < FIRST_ESTIMATE_REPLICATIONS


def test_a_jobs_replications_come_in_index_order_and_end_in_the_full_answer(
    one_worker: SimulationPool, short: Scenario
) -> None:
    """Two scenarios × 6 replications on one worker: the tasks are handed out by replication
    index, each scenario's replication i beside the other's, so the first three of both finish
    (a paired first estimate) before any later one; the first runs are the final answer's own,
    and the final answer is the library's run of the same seed, run by run."""
    edited = scenario_with(short, {"aes.count": 9})
    with one_worker.submit([short, edited], 6, SEED) as job:
        order = _finishing_order([job])
        seen: list[int] = []
        while not job.wait(0.01):
            seen.append(job.finished_in_order())
        runs = job.result()
        first = job.first_runs(FIRST_ESTIMATE_REPLICATIONS)
    assert len(order) == len(job._needs) >= 4
    starts = [min(i for _, i in wanted) for _, wanted in order]
    assert starts == sorted(starts)  # replication order, whatever the scenario
    early = [_early(wanted) for _, wanted in order]
    assert early == sorted(early, reverse=True) and any(early) and not all(early)
    assert {k for _, wanted in order if _early(wanted) for k, _ in wanted} == {0, 1}
    assert seen == sorted(seen)  # what has finished in order only grows
    assert first == [r[:FIRST_ESTIMATE_REPLICATIONS] for r in runs]
    library = [
        [run_replication(sc.model_dump(mode="json"), SEED, i) for i in range(6)]
        for sc in (short, edited)
    ]
    assert json.dumps(runs, sort_keys=True) == json.dumps(library, sort_keys=True)
    with pytest.raises(ValueError, match="have not all finished"):
        job.first_runs(7)


def test_every_waiting_job_gets_its_first_replications_before_anybodys_later_ones(
    one_worker: SimulationPool, short: Scenario
) -> None:
    """Two sessions press Run at once on one worker (two scenarios × 6 replications each): both
    get the first three replications of both their scenarios before either's fourth is handed
    out. (Taking turns task by task, as the pool once did, the first session's later
    replications of its first scenario came before the second session's first estimate.)"""
    jobs = [
        one_worker.submit([scenario_with(short, {"aes.count": aes}), short], 6, SEED + aes)
        for aes in (9, 10)
    ]
    with jobs[0], jobs[1]:
        order = _finishing_order(jobs)
        assert all(job.wait(timeout=300) for job in jobs)
        assert all(len(runs) == 6 for job in jobs for runs in job.result())
    early = [_early(wanted) for _, wanted in order]
    assert early == sorted(early, reverse=True)  # no later replication before a first one
    assert {j for j, wanted in order if _early(wanted)} == {0, 1}
    assert {j for j, wanted in order if not _early(wanted)} == {0, 1}


def test_a_replication_another_session_is_running_is_computed_once(
    one_worker: SimulationPool, short: Scenario
) -> None:
    """Two what-ifs of the same starting scenario: the second session, arriving while the
    first's replications of it are running or queued, waits for those very tasks (it queues
    only its own edit's), and gets the very runs the first does, not copies of a second
    computation. A request without weekly series is served by them too, without the series.
    When the first session leaves, the second still gets them, in its own turn."""
    first = one_worker.submit([short, scenario_with(short, {"aes.count": 9})], 4, SEED)
    running = next(iter(first._needs))
    deadline = time.monotonic() + 60
    while not running.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.running()
    before = one_worker.tasks_in_flight()
    second = one_worker.submit([short, scenario_with(short, {"aes.count": 10})], 4, SEED)
    no_series = one_worker.submit([short], 4, SEED, series=False)
    shared = {f for f, wanted in first._needs.items() if {k for k, _ in wanted} == {0}}
    assert {f for f, wanted in second._needs.items() if {k for k, _ in wanted} == {0}} == shared
    assert set(no_series._needs) == shared
    made = one_worker.tasks_in_flight() - before
    assert made == len(second._needs) - len(shared) > 0  # only the edit's replications
    first.cancel()  # the shared tasks are still wanted: they run for the second session
    with second, no_series:
        start_runs = second.result()[0]
        without = no_series.result()[0]
    computed = [run for future in shared for run in future.result()]
    assert [r["replication"] for r in start_runs] == [0, 1, 2, 3]
    assert all(any(r is run for run in computed) for r in start_runs)
    assert [{k: v for k, v in r.items() if k != "weekly"} for r in start_runs] == without
    assert all("weekly" in r for r in start_runs)
