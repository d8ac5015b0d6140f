"""The same CPU-bound work on 2 and 4 threads, at switch intervals from 5 ms to 10 µs: the twin
of `cargo run -p gil-sim -- interval-sweep`.

Run it: python3 crates/gil-sim/python/interval_sweep.py --total 4000000
Prints one JSON object, runs in the order 2 threads × (5 ms, 1 ms, 100 µs, 10 µs), then 4 threads.
"""

import argparse
import json
import sys
import threading
import time

INTERVALS = [5e-3, 1e-3, 100e-6, 10e-6]
THREAD_COUNTS = [2, 4]


def countdown(n):
    while n > 0:
        n -= 1


def warm_up(seconds=0.3):
    """Runs the loop for a moment before timing anything: a cold CPU (clock frequency, caches) and
    a cold specialising interpreter make the first timing of a process slow."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        countdown(10_000)


# ANCHOR: sweep
def on_threads(total, threads, interval):
    """countdown(total) split over `threads` threads, at this switch interval; the wall time."""
    sys.setswitchinterval(interval)
    workers = [threading.Thread(target=countdown, args=(total // threads,))
               for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started
# ANCHOR_END: sweep


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=4_000_000)
    args = parser.parse_args()

    default_interval = sys.getswitchinterval()
    warm_up()
    one_thread_runs = []
    for _ in range(3):
        started = time.perf_counter()
        countdown(args.total)
        one_thread_runs.append(time.perf_counter() - started)
    one_thread = sorted(one_thread_runs)[1]

    runs = []
    for threads in THREAD_COUNTS:
        for interval in INTERVALS:
            wall = on_threads(args.total, threads, interval)
            runs.append({"threads": threads, "interval_s": interval, "wall_s": wall})
    sys.setswitchinterval(default_interval)

    print(json.dumps({
        "python": sys.version.split()[0],
        "one_thread_s": one_thread,
        "runs": runs,
    }))


if __name__ == "__main__":
    main()
