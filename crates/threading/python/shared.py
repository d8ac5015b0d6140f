"""Python twin of the threading lesson's `shared` experiment (our own script, stdlib only).

THREADS threads each run `counter += 1` INCREMENTS times on one shared counter, first at the
default switch interval and then at 1 microsecond, and the script prints what the counter said
as one JSON object on stdout for `cargo run -p threading -- compare`.

    python3 crates/threading/python/shared.py --threads 4 --increments 1000000
"""

import argparse
import json
import sys
import threading
import time

counter = 0


# ANCHOR: race
def count(increments, start_line):
    global counter
    start_line.wait()  # every thread starts counting at the same moment
    for _ in range(increments):
        counter += 1  # a read, an add and a write: three steps, not one
# ANCHOR_END: race


def run(threads, increments):
    """Returns what the counter said after `threads` threads each counted, and the seconds."""
    global counter
    counter = 0
    start_line = threading.Barrier(threads)
    workers = [
        threading.Thread(target=count, args=(increments, start_line)) for _ in range(threads)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counter, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--increments", type=int, default=1_000_000)
    args = parser.parse_args()

    counted, seconds = run(args.threads, args.increments)
    default_interval = sys.getswitchinterval()
    # A thousand times more chances to switch threads than the default 5 ms.
    sys.setswitchinterval(1e-6)
    counted_fast, seconds_fast = run(args.threads, args.increments)
    sys.setswitchinterval(default_interval)

    is_gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)
    print(json.dumps({
        "threads": args.threads,
        "increments": args.increments,
        "expected": args.threads * args.increments,
        "counted": counted,
        "seconds": seconds,
        "counted_fast_switching": counted_fast,
        "seconds_fast_switching": seconds_fast,
        "gil_enabled": is_gil_enabled(),
    }))


if __name__ == "__main__":
    main()
