"""Our Python twin of the `countdown` experiment: pure Python computation, four times.

In turn, on four threads (one GIL), and in a `multiprocessing.Pool` (a GIL per process). Prints
one JSON object.

    python3 countdown.py [--target-ms MS] [--workers N] [--repeat N]
"""

import argparse
import json
import os
import threading
import time
from multiprocessing import Pool

TASKS = 4


# ANCHOR: countdown
def countdown(n):
    while n > 0:
        n -= 1
# ANCHOR_END: countdown


def in_turn(n):
    for _ in range(TASKS):
        countdown(n)


def on_threads(n):
    threads = [threading.Thread(target=countdown, args=(n,)) for _ in range(TASKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# ANCHOR: pool
def in_a_pool(n, workers):
    with Pool(processes=workers) as pool:
        pool.map(countdown, [n] * TASKS)
# ANCHOR_END: pool


def iterations_for(target_s):
    """How many iterations take about `target_s` here: measured, as the Rust lesson does."""
    n = 100_000
    while True:
        started = time.perf_counter()
        countdown(n)
        took = time.perf_counter() - started
        if took >= 0.02:
            return max(1, int(target_s / (took / n)))
        n *= 2


def timed(function, *args):
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-ms", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = iterations_for(args.target_ms / 1000)
    sequential, threads, pool = [], [], []
    for _ in range(args.repeat):
        sequential.append(timed(in_turn, n))
        threads.append(timed(on_threads, n))
        pool.append(timed(in_a_pool, n, args.workers))
    print(json.dumps({
        "n": n,
        "tasks": TASKS,
        "workers": args.workers,
        "sequential_s": sequential,
        "threads_s": threads,
        "pool_s": pool,
    }))


if __name__ == "__main__":
    main()
