"""Python twin of the threading lesson's `computing` experiment (our own script, stdlib only).

Runs TASKS CPU-bound countdowns one after another, then on one thread each, once, and prints the
timings as one JSON object on stdout for `cargo run -p threading -- compare` (which runs it
`--repeat` times, in turns with the Rust version). Under CPython's GIL the threads take turns, so
they finish no sooner than the loop.

    python3 crates/threading/python/computing.py --tasks 4 --target-ms 100
"""

import argparse
import json
import threading
import time


# ANCHOR: countdown
def countdown(n):
    """Pure interpreted arithmetic: the thread holds the GIL for all of it."""
    while n > 0:
        n -= 1
# ANCHOR_END: countdown


def steps_for(target_s):
    """How many countdown steps take about target_s on one core of this machine."""
    n = 100_000
    while True:
        started = time.perf_counter()
        countdown(n)
        took = time.perf_counter() - started
        if took >= 0.02:
            return max(1, int(n * target_s / took))
        n *= 2


# ANCHOR: threads
def on_threads(tasks, n):
    threads = [
        threading.Thread(target=countdown, args=(n,)) for _ in range(tasks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
# ANCHOR_END: threads


def sequential(tasks, n):
    for _ in range(tasks):
        countdown(n)


def timed(function, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--target-ms", type=int, default=100)
    parser.add_argument(
        "--threaded-first", action="store_true", help="time the threads before the loop"
    )
    args = parser.parse_args()
    n = steps_for(args.target_ms / 1000)
    # A warm-up task, untimed: the first run is slower (3.11+ specialises the bytecode as it
    # runs), and it would count against whichever variant ran first.
    sequential(1, n)

    if args.threaded_first:
        threaded_s, threaded_cpu_s = timed(on_threads, args.tasks, n)
        sequential_s, sequential_cpu_s = timed(sequential, args.tasks, n)
    else:
        sequential_s, sequential_cpu_s = timed(sequential, args.tasks, n)
        threaded_s, threaded_cpu_s = timed(on_threads, args.tasks, n)
    print(json.dumps({
        "tasks": args.tasks,
        "n": n,
        "sequential_s": sequential_s,
        "sequential_cpu_s": sequential_cpu_s,
        "threaded_s": threaded_s,
        "threaded_cpu_s": threaded_cpu_s,
    }))


if __name__ == "__main__":
    main()
