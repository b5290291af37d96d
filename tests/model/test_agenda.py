"""Alarms take the place in SimPy's queue that ``env.timeout`` would, whoever runs the queue:
SimPy's ``env.run``, the model's ``run_until``, or ``run_until`` with the agenda's near heap (the
compiled build's loop, forced here in whichever build runs the tests)."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy

from salessim.agenda import Agenda, Alarm, pop_timed, push_timed
from salessim.model import run_until

# (delay, label) pairs scheduled in this order at time 0, with ties at 1.0 and 2.5, then more
# scheduled from inside the callbacks (at 1.0: one at the same time, one later).
PLAN = [(2.5, "a"), (1.0, "b"), (0.0, "c"), (1.0, "d"), (2.5, "e"), (4.0, "f"), (1.0, "g")]


Runner = Callable[[simpy.Environment, Agenda], None]


def near_heap_run(until: float) -> Runner:
    """run_until with the agenda's near heap, whatever the build."""

    def runner(env: simpy.Environment, agenda: Agenda) -> None:
        agenda.native = True
        run_until(env, until, agenda)

    return runner


RUNNERS: list[Runner] = [
    lambda env, _agenda: env.run(until=10),
    lambda env, _agenda: run_until(env, 10),
    near_heap_run(10),
]
RUNNER_IDS = ["simpy_run", "model_run_until", "near_heap"]


def _schedule(env: simpy.Environment, use_alarms: bool, order: list[str]) -> Agenda:
    agenda = Agenda(env)

    def later(delay: float, label: str) -> None:
        def fire(_event: Any) -> None:
            order.append(f"{label}@{env.now:g}")
            if label == "b":
                later(0.0, "b0")
                later(0.5, "b1")

        if use_alarms:
            agenda.call_in(delay, fire)
        else:
            env.timeout(delay).callbacks.append(fire)

    def process() -> Generator[simpy.Event, Any, None]:
        order.append(f"p@{env.now:g}")
        yield env.timeout(1.0)
        order.append(f"p@{env.now:g}")

    env.process(process())
    for delay, label in PLAN:
        later(delay, label)
    return agenda


def _order(use_alarms: bool, runner: Runner) -> list[str]:
    env = simpy.Environment()
    order: list[str] = []
    agenda = _schedule(env, use_alarms, order)
    runner(env, agenda)
    return order


@pytest.mark.parametrize("runner", RUNNERS, ids=RUNNER_IDS)
def test_alarms_run_in_the_order_timeouts_would(runner: Runner) -> None:
    with_timeouts = _order(False, lambda env, _agenda: env.run(until=10))
    assert with_timeouts[:3] == ["p@0", "c@0", "b@1"]  # the plan's ties are really there
    assert _order(True, runner) == with_timeouts


def test_alarms_left_in_the_near_heap_carry_on_under_simpys_run() -> None:
    """A run_until with the near heap that stops midway hands the alarms still waiting to
    SimPy's queue under their keys: env.run then finishes the run as timeouts would."""

    def in_two_parts(env: simpy.Environment, agenda: Agenda) -> None:
        near_heap_run(1.2)(env, agenda)  # "b1", scheduled by "b" at 1.0, is still waiting
        env.run(until=10)

    with_timeouts = _order(False, lambda env, _agenda: env.run(until=10))
    assert _order(True, in_two_parts) == with_timeouts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_near_heap_pops_alarms_by_time_then_id(seed: int) -> None:
    """push_timed/pop_timed against heapq on (time, id) keys, with many ties in time."""
    rng = random.Random(seed)
    heap: list[Alarm] = []
    reference: list[tuple[float, int]] = []
    taken: list[tuple[float, int]] = []
    expected: list[tuple[float, int]] = []
    for eid in range(500):
        alarm = Alarm(lambda _e: None)
        alarm.at, alarm.id = rng.randrange(0, 30) / 2.0, eid
        push_timed(heap, alarm)
        heapq.heappush(reference, (alarm.at, alarm.id))
        if rng.random() < 0.3:
            first = pop_timed(heap)
            taken.append((first.at, first.id))
            expected.append(heapq.heappop(reference))
    while heap:
        first = pop_timed(heap)
        taken.append((first.at, first.id))
        expected.append(heapq.heappop(reference))
    assert taken == expected and len(taken) == 500


def test_call_soon_runs_where_a_new_process_starts() -> None:
    """Both an alarm from call_soon and a process's start are urgent events at `now`: they
    run in the order they were scheduled, ahead of normal events already due now."""
    env = simpy.Environment()
    agenda = Agenda(env)
    order: list[str] = []
    env.timeout(0.0).callbacks.append(lambda _e: order.append("timeout"))

    def process() -> Generator[simpy.Event, Any, None]:
        order.append("process")
        yield env.timeout(0.0)

    agenda.call_soon(lambda _e: order.append("alarm-1"))
    env.process(process())
    agenda.call_soon(lambda _e: order.append("alarm-2"))
    run_until(env, 1)
    assert order == ["alarm-1", "process", "alarm-2", "timeout"]


def test_an_alarm_is_processed_once() -> None:
    env = simpy.Environment()
    calls: list[float] = []
    alarm = Agenda(env).call_in(2.0, lambda _e: calls.append(env.now))
    assert isinstance(alarm, Alarm) and alarm.callbacks is not None
    env.run(until=5)
    assert calls == [2.0]
    assert alarm.callbacks is None  # SimPy's mark of a processed event


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distant_alarms_keep_the_order_timeouts_would(seed: int) -> None:
    """Alarms from call_later (kept in the agenda's own heap, the earliest in SimPy's queue)
    run in exactly the order env.timeout would give them, mixed with near alarms, ties (delays
    on a coarse grid) and alarms scheduled from callbacks, whichever loop runs the queue."""

    def order(kind: str, runner: Runner) -> list[tuple[float, int]]:
        env = simpy.Environment()
        agenda = Agenda(env)
        rng = random.Random(seed)
        seen: list[tuple[float, int]] = []
        count = 0

        def schedule(depth: int) -> None:
            nonlocal count
            count += 1
            label = count
            distant = rng.random() < 0.5
            delay = rng.randrange(0, 40) / 4.0 if distant else rng.randrange(0, 4) / 4.0

            def fire(_event: Any) -> None:
                seen.append((env.now, label))
                if depth < 3:
                    for _ in range(rng.randrange(0, 3)):
                        schedule(depth + 1)

            if kind == "timeouts":
                env.timeout(delay).callbacks.append(fire)
            elif distant:
                agenda.call_later(delay, fire)
            else:
                agenda.call_in(delay, fire)

        for _ in range(40):
            schedule(0)
        runner(env, agenda)
        return seen

    expected = order("timeouts", lambda env, _agenda: env.run())
    assert len(expected) > 80
    assert len({t for t, _ in expected}) < len(expected)  # ties at the same time
    assert order("alarms", lambda env, _agenda: env.run()) == expected
    assert order("alarms", lambda env, _agenda: run_until(env, 10_000)) == expected
    assert order("alarms", near_heap_run(10_000)) == expected


@pytest.mark.parametrize("runner", RUNNERS, ids=RUNNER_IDS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_alarm_armed_again_keeps_the_order_new_timeouts_would(runner: Runner, seed: int) -> None:
    """A rep's chain of steps and mornings re-arms one alarm (call_again) from its own
    callback: three such chains, with delays on a coarse grid (ties, zero delays) and other
    alarms and timeouts between them, run in exactly the order of a new timeout per step."""

    def order(rearm: bool, runner: Runner) -> list[tuple[float, str]]:
        env = simpy.Environment()
        agenda = Agenda(env)
        rng = random.Random(seed)
        seen: list[tuple[float, str]] = []

        def chain(name: str) -> None:
            alarm = Alarm(lambda _e: None)
            alarm.callbacks = None  # rung: free to be armed
            steps = 0

            def step(_event: Any) -> None:
                nonlocal steps
                steps += 1
                seen.append((env.now, f"{name}{steps}"))
                if rng.random() < 0.3:  # something else falls due meanwhile
                    other = f"{name}{steps}x"
                    delay = rng.randrange(0, 3) / 4.0
                    env.timeout(delay).callbacks.append(lambda _e: seen.append((env.now, other)))
                if steps < 30:
                    arm(rng.randrange(0, 4) / 4.0)

            callbacks: list[Callable[[Any], None]] = [step]

            def arm(delay: float) -> None:
                if rearm:
                    agenda.call_again(alarm, env.now, delay, callbacks)
                else:
                    env.timeout(delay).callbacks.append(step)

            arm(0.0)

        for name in "abc":
            chain(name)
        runner(env, agenda)
        return seen

    expected = order(False, lambda env, _agenda: env.run(until=10))
    assert len(expected) > 90
    assert len({t for t, _ in expected}) < len(expected)  # ties at the same time
    assert order(True, runner) == expected


def test_an_alarm_still_waiting_is_not_armed_again() -> None:
    env = simpy.Environment()
    agenda = Agenda(env)
    alarm = agenda.call_in(1.0, lambda _e: None)
    with pytest.raises(AssertionError, match="only once it has rung"):
        agenda.call_again(alarm, 0.0, 2.0, [lambda _e: None])
