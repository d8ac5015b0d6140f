"""CPU-bound tasks, one after another and on threads: the twin of `cargo run -p gil-sim -- cpu-bound`.

Each task is a countdown sized to last --task-seconds on this machine's CPython, as gil-sim sizes
its own to last as long: the two sides compare runs of the same length, not the same loop count.

Run it: python3 crates/gil-sim/python/cpu_bound.py --task-seconds 0.025
Prints one JSON object, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import sys
import threading
import time


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
    }))


if __name__ == "__main__":
    main()
