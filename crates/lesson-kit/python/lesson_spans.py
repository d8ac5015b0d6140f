"""Spans for the Python twins: who was doing what, and when, in the shape lesson-kit reads.

The twins of several lessons import this one file (each adds this folder to sys.path), so that
CPython's timeline and Rust's are recorded the same way: a lane per thread or task, a state per
span (the names of lesson_kit::trace::State, in kebab-case), start and end in seconds from the
run's start on CPython's own clock (time.perf_counter). `Spans.data()` is the JSON of lesson-kit's
`TraceData`; a twin prints it as the "trace" of its one JSON object.

What Python can and cannot see: it sees when a thread blocks on a socket (the span around the
call) and when a task sleeps. It cannot see its own wait for the GIL: `cpu_slices` infers it (see
there). Stdlib only, like the twins.
"""

import threading
import time

RUNNING = "running"
WAITING_FOR_GIL = "waiting-for-gil"
WAITING_FOR_IO = "waiting-for-io"
SLEEPING = "sleeping"
STARTING = "starting"


class Spans:
    """A recorder: one per traced run, shared by its threads (a lock keeps the lists whole)."""

    def __init__(self):
        self.origin = time.perf_counter()
        self.lanes = []
        self.spans = []
        self.lock = threading.Lock()

    def now(self):
        """Seconds since this recorder was made."""
        return time.perf_counter() - self.origin

    def lane(self, name):
        """Shows `name` in the order lanes first appear, even before its first span ends."""
        with self.lock:
            if name not in self.lanes:
                self.lanes.append(name)

    def record(self, lane, state, start_s, end_s):
        with self.lock:
            if lane not in self.lanes:
                self.lanes.append(lane)
            self.spans.append(
                {"lane": lane, "state": state, "start_s": start_s, "end_s": max(end_s, start_s)}
            )

    def span(self, lane, state):
        """`with spans.span("thread 1", WAITING_FOR_IO): ...` records the block's time."""
        return _Open(self, lane, state)

    def cpu_slices(self, lane, work, slices):
        """Runs `work()` `slices` times on this thread, recording each slice as running or waiting
        for the GIL.

        Inferred, not seen: a slice's CPU time (time.thread_time, this thread's own) against its
        wall time. A CPU-bound slice that took more wall time than CPU time was runnable but not
        running, and under CPython's GIL that is the wait for the GIL (on a quiet machine; a busy
        one's other processes look the same). A slice is called waiting when over half of it was.
        Slices are kept much shorter than the switch interval (5 ms), so each wait spans whole
        slices; consecutive slices in the same state are merged into one span."""
        self.lane(lane)
        for _ in range(slices):
            wall, cpu = self.now(), time.thread_time()
            work()
            end, used = self.now(), time.thread_time() - cpu
            state = RUNNING if used >= (end - wall) / 2 else WAITING_FOR_GIL
            self.extend(lane, state, wall, end)

    def extend(self, lane, state, start_s, end_s):
        """Records a span, merged into the lane's last one when it continues it in the same state."""
        with self.lock:
            for last in reversed(self.spans):
                if last["lane"] == lane:
                    if last["state"] == state:
                        last["end_s"] = max(last["end_s"], end_s)
                        return
                    break
        self.record(lane, state, start_s, end_s)

    def data(self):
        """lesson-kit's TraceData: lanes in order of appearance, spans by lane then start."""
        with self.lock:
            order = {name: n for n, name in enumerate(self.lanes)}
            spans = sorted(self.spans, key=lambda s: (order[s["lane"]], s["start_s"]))
            return {"clock": "measured", "lanes": list(self.lanes), "spans": spans}


class _Open:
    def __init__(self, spans, lane, state):
        self.spans, self.lane, self.state = spans, lane, state

    def __enter__(self):
        self.start = self.spans.now()
        return self

    def __exit__(self, *_):
        self.spans.record(self.lane, self.state, self.start, self.spans.now())
        return False
