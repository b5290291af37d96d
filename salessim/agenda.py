"""The model's own entries in SimPy's event queue: a callback due at a time.

A rep's next step, a buyer finishing a stage, a first meeting falling due: each is one callback
at one time. SimPy would schedule each as a ``Timeout`` (an ``Event`` built by Python code, a
callbacks list appended to after). An :class:`Alarm` is what such a triggered timeout looks like
to SimPy's queue and to its ``step`` (``callbacks``, ``_ok``, ``_value``), built in one call;
:class:`Agenda` puts it at the place ``env.timeout(delay)`` would (time, normal priority, the
next event id), so runs are the same event for event. ``salessim.model.run_until`` calls an
alarm's callbacks directly; ``env.run`` and ``env.step`` process it like any event.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any, Final, final

import simpy
from simpy.events import NORMAL as _SIMPY_NORMAL
from simpy.events import URGENT as _SIMPY_URGENT

NORMAL: Final = 1
URGENT: Final = 0
if (NORMAL, URGENT) != (_SIMPY_NORMAL, _SIMPY_URGENT):  # pragma: no cover - SimPy 4 fixes them
    raise ImportError("salessim needs SimPy 4's event priorities (NORMAL=1, URGENT=0)")

Callback = Callable[[Any], None]


@final
class Alarm:
    """A triggered event with its callbacks, as SimPy's queue holds one."""

    __slots__ = ("_ok", "_value", "callbacks")

    def __init__(self, callback: Callback) -> None:
        self.callbacks: list[Callback] | None = [callback]
        self._ok = True
        self._value: object = None


@final
class Agenda:
    """Schedules alarms in one SimPy environment's queue."""

    __slots__ = ("_eid", "_queue", "env")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._queue: list[Any] = env._queue
        self._eid = env._eid

    def call_in(self, delay: float, callback: Callback) -> Alarm:
        """Call `callback(alarm)` in `delay` days (≥ 0), where ``env.timeout(delay)`` with that
        callback would."""
        now: float = self.env._now
        alarm = Alarm(callback)
        heappush(self._queue, (now + delay, NORMAL, next(self._eid), alarm))
        return alarm

    def call_soon(self, callback: Callback) -> Alarm:
        """Call `callback(alarm)` now, after the events already due now that SimPy runs
        first: where a process started now would resume (an urgent event)."""
        now: float = self.env._now
        alarm = Alarm(callback)
        heappush(self._queue, (now, URGENT, next(self._eid), alarm))
        return alarm
