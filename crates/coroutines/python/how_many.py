"""Python twin of the coroutines lesson's `how-many` experiment (our own script, stdlib only).

Starts TASKS asyncio tasks that each sleep, waits for them all, and prints the time to start them,
the wall time and the peak memory as one JSON object for `cargo run -p coroutines -- compare`.

    python3 crates/coroutines/python/how_many.py --tasks 10000 --sleep-ms 200
"""

import argparse
import asyncio
import json
import pathlib
import resource
import sys
import time

# lesson-kit's span recorder, shared by the twins of every lesson (not copied into each);
# imported without leaving a __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "lesson-kit" / "python"))
from lesson_spans import RUNNING, SLEEPING, STARTING, Spans  # noqa: E402


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


async def traced(tasks, lanes, sleep):
    """TASKS sleeping tasks again, every (tasks // lanes)th one recorded on a lane of its own:
    created and not yet run (starting), asleep, then running to its end. A thousand lanes would
    be too many to draw; the others run the same code unrecorded."""
    spans = Spans()
    step = max(1, tasks // lanes)

    async def task(index, created):
        first = spans.now()
        await asyncio.sleep(sleep)
        woke = spans.now()
        if index % step == 0:
            lane = f"task {index + 1}"
            spans.record(lane, STARTING, created, first)
            spans.record(lane, SLEEPING, first, woke)
            spans.record(lane, RUNNING, woke, spans.now())

    running = []
    for index in range(tasks):
        if index % step == 0:
            spans.lane(f"task {index + 1}")
        running.append(asyncio.create_task(task(index, spans.now())))
    await asyncio.gather(*running)
    return spans.data()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--sleep-ms", type=int, default=200)
    parser.add_argument("--trace-tasks", type=int, default=1000, help="tasks of the traced run")
    parser.add_argument("--trace-lanes", type=int, default=8, help="of them, drawn")
    args = parser.parse_args()
    baseline = rss_bytes()
    start_s, wall_s = asyncio.run(many(args.tasks, args.sleep_ms / 1000))
    peak = peak_rss_bytes()  # before the traced run, which is not the one measured
    trace = asyncio.run(traced(args.trace_tasks, args.trace_lanes, args.sleep_ms / 1000))
    print(json.dumps({
        "tasks": args.tasks,
        "start_s": start_s,
        "wall_s": wall_s,
        "baseline_rss_bytes": baseline,
        "peak_rss_bytes": peak,
        "trace": trace,
    }))


if __name__ == "__main__":
    main()
