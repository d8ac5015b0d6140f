"""CPU-bound tasks, one after another and on threads: the twin of `cargo run -p gil-sim -- cpu-bound`.

Run it: python3 crates/gil-sim/python/cpu_bound.py --n 2000000
Prints one JSON object with the wall times, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import sys
import threading
import time


# ANCHOR: countdown
def countdown(n):
    """The classic GIL benchmark: pure interpreted work, a checkpoint at every backward jump."""
    while n > 0:
        n -= 1
# ANCHOR_END: countdown


def warm_up(seconds=0.3):
    """Runs the loop for a moment before timing anything: a cold CPU (clock frequency, caches) and
    a cold specialising interpreter make the first timing of a process slow."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        countdown(10_000)


def timed(work):
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2_000_000, help="iterations per task")
    parser.add_argument("--tasks", type=int, default=4, help="tasks, and threads")
    args = parser.parse_args()

    warm_up()

    def sequential():
        for _ in range(args.tasks):
            countdown(args.n)

    # ANCHOR: threads
    def on_threads():
        threads = [threading.Thread(target=countdown, args=(args.n,)) for _ in range(args.tasks)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # ANCHOR_END: threads

    # Three rounds, alternating, and the median of each: one slow moment on a busy machine
    # must not decide the speedup.
    rounds = [(timed(sequential), timed(on_threads)) for _ in range(3)]
    sequential_s = sorted(r[0] for r in rounds)[1]
    threads_s = sorted(r[1] for r in rounds)[1]

    print(json.dumps({
        "python": sys.version.split()[0],
        "switch_interval_s": sys.getswitchinterval(),
        "sequential_s": sequential_s,
        "threads_s": threads_s,
    }))


if __name__ == "__main__":
    main()
