"""No GIL is not thread-safe: the twin of `cargo run -p gil-sim -- race`.

Four threads run `counter += 1` on one global counter, then the same inside `with lock:`. Under
the GIL of 3.10 and later a thread lets go only at a backward jump or a call, so the plain counter
loses nothing; on a free-threaded build (3.13t, 3.14t: `sys._is_gil_enabled()` is False) it does.

Run it: python3 crates/gil-sim/python/race.py --increments 1000000
Prints one JSON object, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import sys
import threading
import time

counter = 0


# ANCHOR: race
def add(n):
    global counter
    for _ in range(n):
        counter += 1  # read, add, write: three steps


def add_locked(n, lock):
    global counter
    for _ in range(n):
        with lock:
            counter += 1
# ANCHOR_END: race


def run(threads, target, args):
    """Starts `threads` threads on `target`; the counter and the seconds they took."""
    global counter
    counter = 0
    started = time.perf_counter()
    workers = [threading.Thread(target=target, args=args) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return counter, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--increments", type=int, default=1_000_000)
    parser.add_argument("--switch-interval", type=float, default=1e-6)
    args = parser.parse_args()
    # As often as CPython allows: the GIL changes hands all the time, and still splits no `+= 1`.
    sys.setswitchinterval(args.switch_interval)
    gil_check = getattr(sys, "_is_gil_enabled", None)
    counted, plain_s = run(args.threads, add, (args.increments,))
    locked, locked_s = run(args.threads, add_locked, (args.increments, threading.Lock()))
    print(json.dumps({
        "python": sys.version.split()[0],
        "gil_enabled": gil_check() if gil_check else True,
        "expected": args.threads * args.increments,
        "counted": counted,
        "plain_s": plain_s,
        "locked_counted": locked,
        "locked_s": locked_s,
    }))


if __name__ == "__main__":
    main()
