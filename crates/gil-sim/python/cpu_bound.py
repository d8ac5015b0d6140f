"""CPU-bound tasks, one after another and on threads: the twin of `cargo run -p gil-sim -- cpu-bound`.

Each task is a countdown sized to last --task-seconds on this machine's CPython, as gil-sim sizes
its own to last as long: the two sides compare runs of the same length, not the same loop count.

Run it: python3 crates/gil-sim/python/cpu_bound.py --task-seconds 0.025
Prints one JSON object, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import pathlib
import sys
import threading
import time

# lesson-kit's span recorder, shared by the twins of every lesson (not copied into each);
# imported without leaving a __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "lesson-kit" / "python"))
from lesson_spans import Spans  # noqa: E402

# A slice of a traced countdown: far shorter than the switch interval (5 ms), so that each wait for
# the GIL covers whole slices (see lesson_spans.Spans.cpu_slices).
SLICE_S = 0.0005


# ANCHOR: countdown
def countdown(n):
    """The classic GIL benchmark: pure interpreted work, a checkpoint at
    every backward jump."""
    while n > 0:
        n -= 1
# ANCHOR_END: countdown


def iterations_for(seconds):
    """How many iterations of countdown last `seconds` here, after a warm-up: a cold CPU and a
    cold specialising interpreter make the first timings of a process slow."""
    end = time.perf_counter() + 0.2
    while time.perf_counter() < end:
        countdown(10_000)
    started = time.perf_counter()
    countdown(500_000)
    per_iteration = (time.perf_counter() - started) / 500_000
    return max(1, int(seconds / per_iteration))


def timed(work):
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def traced(n, tasks, task_seconds):
    """The threaded run again, in slices, each thread's slices recorded on its own lane as running
    or (inferred from its CPU time) waiting for the GIL: the timeline the book draws beside
    gil-sim's threads."""
    spans = Spans()
    slices = max(1, round(task_seconds / SLICE_S))
    chunk = max(1, n // slices)
    threads = [
        threading.Thread(
            target=spans.cpu_slices, args=(f"thread {i + 1}", lambda: countdown(chunk), slices)
        )
        for i in range(tasks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return spans.data()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task-seconds", type=float, default=0.025)
    parser.add_argument("--tasks", type=int, default=4, help="tasks, and threads")
    args = parser.parse_args()
    n = iterations_for(args.task_seconds)

    def sequential():
        for _ in range(args.tasks):
            countdown(n)

    # ANCHOR: threads
    def on_threads():
        threads = [
            threading.Thread(target=countdown, args=(n,))
            for _ in range(args.tasks)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # ANCHOR_END: threads

    print(json.dumps({
        "python": sys.version.split()[0],
        "iterations": n,
        "sequential_s": timed(sequential),
        "threads_s": timed(on_threads),
        "trace": traced(n, args.tasks, args.task_seconds),
    }))


if __name__ == "__main__":
    main()
