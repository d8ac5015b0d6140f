"""Two CPU-bound threads against one thread doing both: the twin of `cargo run -p gil-sim -- legacy`.
Written for Python 2.7 as well as 3: run by python2 it shows the GIL of before 3.2 (released and
taken again every 100 ticks), by python3 the new one.

The work is sized to last --seconds per thread here, as gil-sim sizes its own.

Run it: python2 crates/gil-sim/python/legacy.py --seconds 0.04
Prints one JSON object, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import sys
import threading
import time

# Python 2 has no perf_counter; its time.time() is good enough for runs of tens of milliseconds.
clock = getattr(time, "perf_counter", time.time)


def countdown(n):
    while n > 0:
        n -= 1


def iterations_for(seconds):
    """How many iterations of countdown last `seconds` here, after a warm-up."""
    end = clock() + 0.2
    while clock() < end:
        countdown(10000)
    started = clock()
    countdown(500000)
    return max(1, int(seconds / ((clock() - started) / 500000)))


def timed(work):
    started = clock()
    work()
    return clock() - started


def two_threads(n):
    threads = [threading.Thread(target=countdown, args=(n,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.04, help="each thread's work")
    args = parser.parse_args()
    n = iterations_for(args.seconds)
    # Untimed, a tenth of each run first: the first thread started and the first run of a size
    # pay for things the second does not (a run on a cold start came out faster on two
    # threads than on one, which a countdown under one lock cannot be).
    countdown(2 * (n // 10))
    two_threads(n // 10)
    print(json.dumps({
        "python": sys.version.split()[0],
        "iterations": n,
        "sequential_s": timed(lambda: countdown(2 * n)),
        "threads_s": timed(lambda: two_threads(n)),
    }))


if __name__ == "__main__":
    main()
