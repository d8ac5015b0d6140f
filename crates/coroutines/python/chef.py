"""Python twin of the coroutines lesson's `chef` experiment (our own script, stdlib only).

One chef (asyncio's one thread), TABLES tables of COURSES courses: for each course the chef works
at the table (a CPU loop), the dish cooks (`await asyncio.sleep`), the chef serves it (more work).
Prints how long each ready dish waited while the chef stood idle, as one JSON object for
`cargo run -p coroutines -- compare`.

    python3 crates/coroutines/python/chef.py --tables 4 --work-ms 4 --cooking-ms 60
"""

import argparse
import asyncio
import json
import threading
import time


def spin(seconds):
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


# ANCHOR: table
async def table(courses, work, cooking, busy, waits, threads):
    loop = asyncio.get_running_loop()
    for _ in range(courses):
        started = loop.time()
        spin(work)  # the chef takes the order: real work, on the one thread
        busy.append((started, loop.time()))
        threads.add(threading.get_ident())
        ready = loop.time() + cooking
        await asyncio.sleep(cooking)  # on the stove: the chef goes elsewhere
        waits.append((ready, loop.time()))
        started = loop.time()
        spin(work)  # the chef serves it
        busy.append((started, loop.time()))
# ANCHOR_END: table


def idle_while_ready(busy, waits):
    idle = []
    for start, end in waits:
        working = sum(max(0.0, min(b_end, end) - max(b_start, start)) for b_start, b_end in busy)
        idle.append(max(0.0, end - start - working))
    return idle


async def evening(args):
    busy, waits, threads = [], [], set()
    started = time.perf_counter()
    await asyncio.gather(*(
        table(args.courses, args.work_ms / 1000, args.cooking_ms / 1000, busy, waits, threads)
        for _ in range(args.tables)
    ))
    return time.perf_counter() - started, busy, waits, threads


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=4)
    parser.add_argument("--courses", type=int, default=3)
    parser.add_argument("--work-ms", type=int, default=4)
    parser.add_argument("--cooking-ms", type=int, default=60)
    args = parser.parse_args()
    wall, busy, waits, threads = asyncio.run(evening(args))
    print(json.dumps({"wall_s": wall, "dishes": len(waits), "threads": len(threads),
                      "idle_s": idle_while_ready(busy, waits)}))


if __name__ == "__main__":
    main()
