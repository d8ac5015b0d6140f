"""The same CPU-bound work on one thread, then on 2 and 4 threads at switch intervals from 5 ms to
10 µs: the twin of `cargo run -p gil-sim -- interval-sweep`.

The work is sized to make the one-thread run last --seconds here, as gil-sim sizes its own.

Run it: python3 crates/gil-sim/python/interval_sweep.py --seconds 0.5
Prints one JSON object: the one-thread time, then one run per case, in gil-sim's order.
"""

import argparse
import json
import sys
import threading
import time

CASES = [(2, 5e-3), (2, 1e-3), (2, 100e-6), (2, 10e-6),
         (4, 5e-3), (4, 1e-3), (4, 100e-6), (4, 10e-6)]


def countdown(n):
    while n > 0:
        n -= 1


def iterations_for(seconds):
    """How many iterations of countdown last `seconds` here, after a warm-up."""
    end = time.perf_counter() + 0.2
    while time.perf_counter() < end:
        countdown(10_000)
    started = time.perf_counter()
    countdown(500_000)
    return max(1, int(seconds / ((time.perf_counter() - started) / 500_000)))


# ANCHOR: sweep
def on_threads(total, threads, interval):
    """countdown(total) split over `threads` threads, at this switch
    interval; the wall time."""
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
    parser.add_argument("--seconds", type=float, default=0.5, help="the one-thread run's length")
    args = parser.parse_args()
    default_interval = sys.getswitchinterval()
    total = iterations_for(args.seconds)
    started = time.perf_counter()
    countdown(total)
    one_thread = time.perf_counter() - started
    runs = [{"threads": threads, "interval_s": interval,
             "wall_s": on_threads(total, threads, interval)}
            for threads, interval in CASES]
    sys.setswitchinterval(default_interval)
    print(json.dumps({
        "python": sys.version.split()[0],
        "iterations": total,
        "one_thread_s": one_thread,
        "runs": runs,
    }))


if __name__ == "__main__":
    main()
