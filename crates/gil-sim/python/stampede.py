"""1,000 threads wait for one event, then each does a little work: the twin of
`cargo run -p gil-sim -- stampede`.

Each thread's countdown is sized to last --work-seconds here, as gil-sim sizes its own.

Run it: python3 crates/gil-sim/python/stampede.py --threads 1000 --work-seconds 0.0001
Prints one JSON object, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import sys
import threading
import time


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


# ANCHOR: stampede
def stampede(threads, n):
    """`threads` threads wait for one event, then each counts down; the
    time from the event to the last one done."""
    arrived = threading.Barrier(threads + 1)
    go = threading.Event()

    def worker():
        arrived.wait()
        # Waiting releases the GIL; waking, every thread wants it back at once.
        go.wait()
        countdown(n)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    arrived.wait()
    started = time.perf_counter()
    go.set()
    for thread in workers:
        thread.join()
    return time.perf_counter() - started
# ANCHOR_END: stampede


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--work-seconds", type=float, default=0.0001)
    args = parser.parse_args()
    n = iterations_for(args.work_seconds)
    started = time.perf_counter()
    for _ in range(args.threads):
        countdown(n)
    in_turn = time.perf_counter() - started
    print(json.dumps({
        "python": sys.version.split()[0],
        "iterations": n,
        "in_turn_s": in_turn,
        "threads_s": stampede(args.threads, n),
    }))


if __name__ == "__main__":
    main()
