"""The model's own entries in SimPy's event queue: a callback due at a time.

A rep's next step, a buyer finishing a stage, a first meeting falling due: each is one callback
at one time. SimPy would schedule each as a ``Timeout`` (an ``Event`` built by Python code, a
callbacks list appended to after). An :class:`Alarm` is what such a triggered timeout looks like
to SimPy's queue and to its ``step`` (``callbacks``, ``_ok``, ``_value``), built in one call;
:class:`Agenda` puts it at the place ``env.timeout(delay)`` would (time, normal priority, the
next event id), so runs are the same event for event. ``salessim.model.run_until`` calls an
alarm's callbacks directly; ``env.run`` and ``env.step`` process it like any event.

In the compiled build, while ``run_until`` runs, near alarms (:meth:`Agenda.call_in`) wait in the
agenda's own heap instead, ordered by the same key compared as plain numbers, and the loop takes
whichever of that heap and SimPy's queue comes first by that key: the same events in the same
order, without building and comparing a tuple per event. When the loop stops they join SimPy's
queue under their keys, so ``env.run`` can carry on.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any, Final, TypeVar, final

import simpy
from simpy.events import NORMAL as _SIMPY_NORMAL
from simpy.events import URGENT as _SIMPY_URGENT

from salessim import engine

# The heap functions as module constants: a compiled module then calls them directly rather
# than looking each name up in the module's globals at every call (the modules that keep heaps
# import them from here).
heappush: Final = heapq.heappush
heappop: Final = heapq.heappop

NORMAL: Final = 1
URGENT: Final = 0
if (NORMAL, URGENT) != (_SIMPY_NORMAL, _SIMPY_URGENT):  # pragma: no cover - SimPy 4 fixes them
    raise ImportError("salessim needs SimPy 4's event priorities (NORMAL=1, URGENT=0)")

Callback = Callable[[Any], None]


COMPILED: Final = engine() == "compiled"
"""Whether this is the compiled build, where a native heap (:func:`push_timed`) is faster than
``heapq`` on tuples (and slower in pure Python): near alarms may wait in the agenda's own heap
during ``run_until``, and lead queues keep their leads in native heaps."""


class Timed:
    """Something that waits in a native heap (:func:`push_timed`, :func:`pop_timed`) for its
    time `at`; of two at the same time the one with the smaller `id` comes first (ids are
    unique among what one heap holds)."""

    __slots__ = ("at", "id")

    at: float
    id: int


T = TypeVar("T", bound=Timed)


@final
class Alarm(Timed):
    """A triggered event with its callbacks, as SimPy's queue holds one.

    Its key (`at`, and SimPy's event id as `id`) is set, and read, only while it waits in one
    of the agenda's native heaps (near, or distant in the compiled build): SimPy's queue keeps
    the key in its entry instead."""

    __slots__ = ("_ok", "_queued", "_value", "callbacks")

    def __init__(self, callback: Callback, then: Callback | None = None) -> None:
        self.callbacks: list[Callback] | None = [callback] if then is None else [callback, then]
        self._ok = True
        self._value: object = None
        self._queued = False  # a distant alarm: in SimPy's queue yet (see Agenda.call_later)

    def ring(self) -> None:
        """Call the callbacks, once: what SimPy's step does with a triggered event's (an alarm
        never fails, so nothing is checked after)."""
        callbacks = self.callbacks
        self.callbacks = None  # processed: SimPy's own mark
        assert callbacks is not None
        for callback in callbacks:
            callback(self)


def push_timed(heap: list[T], item: T) -> None:
    """Put `item` on a native heap: a binary min-heap by time `at`, then `id`. (The key of
    the item moving is read once into locals and compared inline: these two functions run
    for most events.)"""
    at = item.at
    eid = item.id
    pos = len(heap)
    heap.append(item)
    while pos > 0:
        parent_pos = (pos - 1) >> 1
        parent = heap[parent_pos]
        parent_at = parent.at
        if not (at < parent_at or (at == parent_at and eid < parent.id)):
            break
        heap[pos] = parent
        pos = parent_pos
    heap[pos] = item


def pop_timed(heap: list[T]) -> T:
    """Take the first item off a native heap (not empty)."""
    last = heap.pop()
    if not heap:
        return last
    first = heap[0]
    at = last.at
    eid = last.id
    size = len(heap)
    pos = 0
    child = 1
    while child < size:
        smaller = heap[child]
        right = child + 1
        if right < size:
            other = heap[right]
            if other.at < smaller.at or (other.at == smaller.at and other.id < smaller.id):
                smaller = other
                child = right
        smaller_at = smaller.at
        if not (smaller_at < at or (smaller_at == at and smaller.id < eid)):
            break
        heap[pos] = smaller
        pos = child
        child = 2 * pos + 1
    heap[pos] = last
    return first


@final
class Agenda:
    """Schedules alarms in one SimPy environment's queue.

    Distant alarms (:meth:`call_later`: a buyer's stage of days, a meeting weeks out) wait in
    the agenda's own heap, and only the earliest of them in SimPy's queue, under the key (time,
    priority, event id) it was given when scheduled. Every event passes through SimPy's queue,
    whose cost grows with its length; dozens of deals are in their buyer's hands at any time.
    The order of events is still exactly by that key: an alarm is in SimPy's queue before any
    event that comes after it is taken, since the earliest distant alarm always is.
    """

    __slots__ = (
        "_direct",
        "_distant",
        "_near",
        "_next_eid",
        "_queue",
        "_reached_cb",
        "env",
        "native",
    )

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._queue: list[Any] = env._queue
        # SimPy's event ids, drawn by a direct call (a compiled next() looks the builtin up).
        self._next_eid: Callable[[], int] = env._eid.__next__
        # Distant alarms by (time, event id): the alarms themselves on a native heap in the
        # compiled build, (time, id, alarm) tuples on a heapq heap in pure Python.
        self._distant: list[Any] = []
        self._reached_cb: Callback = self._reached
        self._near: list[Alarm] = []
        self._direct = False  # near alarms go to the near heap (only while run_until runs)
        self.native = COMPILED  # whether run_until uses the near heap (a test may force it)

    def call_in(self, delay: float, callback: Callback) -> Alarm:
        """Call `callback(alarm)` in `delay` days (≥ 0), where ``env.timeout(delay)`` with that
        callback would."""
        now: float = self.env._now
        return self.call_in_from(now, delay, callback)

    def call_in_from(self, now: float, delay: float, callback: Callback) -> Alarm:
        """:meth:`call_in` for a caller that has just read the clock as `now` (a rep's step:
        the clock is a generic attribute of SimPy's environment, slow to read when compiled)."""
        alarm = Alarm(callback)
        self._arm(alarm, now + delay)
        return alarm

    def call_again(self, alarm: Alarm, now: float, delay: float, callbacks: list[Callback]) -> None:
        """:meth:`call_in_from` with an alarm that has rung, armed again with `callbacks` (a
        list nothing changes) instead of a new alarm: a rep's next step or morning, one at a
        time, each due after the last has rung. The same key, hence the same order, as a new
        alarm's."""
        assert alarm.callbacks is None, "an alarm is armed again only once it has rung"
        alarm.callbacks = callbacks
        self._arm(alarm, now + delay)

    def _arm(self, alarm: Alarm, at: float) -> None:
        """Put a near alarm where ``env.timeout`` would put one due `at`: the near heap while
        run_until takes from it, else SimPy's queue (normal priority, the next event id)."""
        if self._direct:
            alarm.at = at
            alarm.id = self._next_eid()
            push_timed(self._near, alarm)
        else:
            heappush(self._queue, (at, NORMAL, self._next_eid(), alarm))

    def call_later(self, delay: float, callback: Callback) -> Alarm:
        """:meth:`call_in` for an alarm many other events will come before."""
        now: float = self.env._now
        at = now + delay
        eid = self._next_eid()
        alarm = Alarm(self._reached_cb, callback)
        distant = self._distant
        if COMPILED:
            alarm.at = at
            alarm.id = eid
            push_timed(distant, alarm)
            first = distant[0] is alarm
        else:
            heappush(distant, (at, eid, alarm))
            first = distant[0][1] == eid  # compared by id: a tuple may be copied
        if first:  # the earliest now
            alarm._queued = True
            heappush(self._queue, (at, NORMAL, eid, alarm))
        return alarm

    def _reached(self, alarm: Any) -> None:
        """A distant alarm is due (the earliest of them): the next one joins SimPy's queue."""
        distant = self._distant
        following: Alarm
        if COMPILED:
            reached = pop_timed(distant)
            assert reached is alarm, "distant alarms are due in order"
            if not distant:
                return
            following = distant[0]
            at = following.at
            eid = following.id
        else:
            reached = heappop(distant)[2]
            assert reached is alarm, "distant alarms are due in order"
            if not distant:
                return
            at, eid, following = distant[0]
        if not following._queued:
            following._queued = True
            heappush(self._queue, (at, NORMAL, eid, following))

    def begin_direct(self) -> list[Alarm]:
        """From now on near alarms wait in the near heap, which is returned (``run_until``
        takes them from it in order with SimPy's queue)."""
        self._direct = True
        return self._near

    def end_direct(self) -> None:
        """Near alarms go to SimPy's queue again; those waiting join it under their keys."""
        self._direct = False
        queue = self._queue
        for alarm in self._near:
            heappush(queue, (alarm.at, NORMAL, alarm.id, alarm))
        self._near.clear()

    def call_soon(self, callback: Callback) -> Alarm:
        """Call `callback(alarm)` now, after the events already due now that SimPy runs
        first: where a process started now would resume (an urgent event)."""
        now: float = self.env._now
        alarm = Alarm(callback)
        heappush(self._queue, (now, URGENT, self._next_eid(), alarm))
        return alarm
