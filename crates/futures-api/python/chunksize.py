"""Python twin of the futures-api lesson's `chunksize` experiment (our own script, stdlib only).

COUNT squares on ProcessPoolExecutor(cpu_count) with chunksize 1 (its default), multiprocessing's
default (about four chunks per worker) and one chunk per worker; prints the wall time of each as
one JSON object for `cargo run -p futures-api -- compare`. The pool is started once, before the
timings, as the Rust side does.

Run it by hand: python3 crates/futures-api/python/chunksize.py --count 10000
"""

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor


def square(n):
    return n * n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    default = max(1, -(-args.count // (workers * 4)))
    large = max(1, -(-args.count // workers))
    timings = {}
    with ProcessPoolExecutor(max_workers=workers) as executor:
        list(executor.map(square, range(workers)))  # every worker started
        for name, chunksize in [("one", 1), ("default", default), ("large", large)]:
            start = time.perf_counter()
            # ANCHOR: map
            results = list(executor.map(square, range(args.count), chunksize=chunksize))
            # ANCHOR_END: map
            timings[name] = time.perf_counter() - start
            assert results[-1] == (args.count - 1) ** 2
    print(json.dumps({
        "workers": workers,
        "chunksizes": [1, default, large],
        "one_s": timings["one"],
        "default_s": timings["default"],
        "large_s": timings["large"],
    }))


if __name__ == "__main__":
    main()
