"""Python twin of the broker lesson: the CPU snippet through concurrent.futures on a Dask cluster.

Dask's `Client.get_executor()` is a `concurrent.futures.Executor` whose workers are a cluster's
(here a `LocalCluster` of worker processes; on several hosts, `dask scheduler` on one and
`dask worker tcp://SCHEDULER:8786` on each other). Same `submit`/`map`/`as_completed` as
ProcessPoolExecutor: the Rust lesson's `RedisExecutor` keeps that continuity too.

Needs `dask[distributed]`, which this course does not install for you (nor does CI):
    python3 -m pip install "dask[distributed]"
Run:
    python3 crates/broker/python/dask_executor.py --tasks 8 --n 5000000 --workers 2

Two things that surprise its users, shown below:
- Dask treats a function as pure by default: submitting the same call twice with
  `client.submit` runs it once and hands back the same future (distributed#2367). `pure=False`
  runs it every time; the executor from `get_executor()` passes `pure=False` itself.
- `client.map` returns futures, not results, unlike `Executor.map` (distributed#91):
  `client.gather(futures)` waits for the values.
"""

import argparse
import json
import sys
import time
from concurrent.futures import as_completed


def heavy_compute(n):
    """The CPU snippet: a countdown of n steps, answering a checksum."""
    total = 0
    while n > 0:
        total += n & 1
        n -= 1
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print(
            "dask[distributed] is not installed: python3 -m pip install \"dask[distributed]\"",
            file=sys.stderr,
        )
        return 2

    # One thread per worker process: a CPU-bound pure-Python task holds its process's GIL.
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster, \
            Client(cluster) as client:
        # ANCHOR: executor
        with client.get_executor() as executor:
            started = time.perf_counter()
            futures = [
                executor.submit(heavy_compute, args.n) for _ in range(args.tasks)
            ]
            results = [f.result() for f in as_completed(futures)]
            executor_seconds = time.perf_counter() - started
        # ANCHOR_END: executor

        # ANCHOR: surprises
        same = [client.submit(heavy_compute, args.n) for _ in range(2)]
        deduplicated = same[0].key == same[1].key  # pure by default: one task, one key
        mapped = client.map(heavy_compute, [args.n] * 2, pure=False)
        map_gives_futures = not isinstance(mapped[0], int)  # futures, not results
        client.gather(mapped + same)
        # ANCHOR_END: surprises

    print(json.dumps({
        "tasks": args.tasks,
        "n": args.n,
        "workers": args.workers,
        "executor_seconds": executor_seconds,
        "results_agree": len(set(results)) == 1,
        "same_call_deduplicated": deduplicated,
        "client_map_returns_futures": map_gives_futures,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
