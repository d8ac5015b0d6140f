"""Python twin of the coroutines lesson's `gather` experiment (our own script, stdlib only).

Three sleeps awaited in turn and then gathered on asyncio's one thread; then SIBLINGS sleeps beside
one that fails, handled by `asyncio.gather` and by `asyncio.TaskGroup` (3.11), counting the
siblings that finished after the call had raised. Prints one JSON object for
`cargo run -p coroutines -- compare`.

    python3 crates/coroutines/python/gather.py --delay-ms 200 --siblings 10
"""

import argparse
import asyncio
import json
import sys
import threading
import time


# ANCHOR: fetch
async def fetch(site, delay, threads):
    threads.add(threading.get_ident())
    await asyncio.sleep(delay)  # yields the loop's one thread to the others
    return site
# ANCHOR_END: fetch


async def in_turn(delay):
    threads = set()
    for site in ("a.com", "b.com", "c.com"):
        await fetch(site, delay, threads)
    return threads


async def gathered(delay):
    threads = set()
    await asyncio.gather(*(fetch(site, delay, threads) for site in ("a.com", "b.com", "c.com")))
    return threads


async def job(delay, fails, finished):
    await asyncio.sleep(delay)
    if fails:
        raise RuntimeError("failed")
    finished.append(1)


async def first_failure(way, siblings, delay):
    """Siblings finished after the call raised: they ran on unobserved."""
    finished = []
    jobs = [job(delay, False, finished) for _ in range(siblings)] + [job(delay / 4, True, finished)]
    try:
        if way == "gather":
            await asyncio.gather(*jobs)
        else:
            async with asyncio.TaskGroup() as group:
                for coroutine in jobs:
                    group.create_task(coroutine)
    except (RuntimeError, ExceptionGroup):
        pass
    before = len(finished)
    await asyncio.sleep(delay * 2)
    return len(finished) - before


def timed(coroutine):
    started = time.perf_counter()
    threads = asyncio.run(coroutine)
    return time.perf_counter() - started, len(threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=int, default=200)
    parser.add_argument("--siblings", type=int, default=10)
    args = parser.parse_args()
    if sys.version_info < (3, 11):
        sys.exit("asyncio.TaskGroup needs Python 3.11 or later")
    delay = args.delay_ms / 1000
    in_turn_s, _ = timed(in_turn(delay))
    gathered_s, threads = timed(gathered(delay))
    print(json.dumps({
        "in_turn_s": in_turn_s,
        "gathered_s": gathered_s,
        "threads": threads,
        "siblings": args.siblings,
        "gather_finished_after": asyncio.run(first_failure("gather", args.siblings, delay)),
        "task_group_finished_after": asyncio.run(first_failure("group", args.siblings, delay)),
    }))


if __name__ == "__main__":
    main()
