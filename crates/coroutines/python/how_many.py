"""Python twin of the coroutines lesson's `how-many` experiment (our own script, stdlib only).

Starts TASKS asyncio tasks that each sleep, waits for them all, and prints the time to start them,
the wall time and the peak memory as one JSON object for `cargo run -p coroutines -- compare`.

    python3 crates/coroutines/python/how_many.py --tasks 10000 --sleep-ms 200
"""

import argparse
import asyncio
import json
import resource
import sys
import time


def rss_bytes():
    """This process's resident memory now (Linux), else its peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except OSError:
        return peak_rss_bytes()


def peak_rss_bytes():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


# ANCHOR: many
async def many(tasks, sleep):
    started = time.perf_counter()
    running = [asyncio.create_task(asyncio.sleep(sleep)) for _ in range(tasks)]
    start_s = time.perf_counter() - started
    await asyncio.gather(*running)
    return start_s, time.perf_counter() - started
# ANCHOR_END: many


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--sleep-ms", type=int, default=200)
    args = parser.parse_args()
    baseline = rss_bytes()
    start_s, wall_s = asyncio.run(many(args.tasks, args.sleep_ms / 1000))
    print(json.dumps({
        "tasks": args.tasks,
        "start_s": start_s,
        "wall_s": wall_s,
        "baseline_rss_bytes": baseline,
        "peak_rss_bytes": peak_rss_bytes(),
    }))


if __name__ == "__main__":
    main()
