"""Python twin of the coroutines lesson's `blocking` experiment (our own script, stdlib only).

A monitor coroutine asks to wake every millisecond and records how late it woke, while another
coroutine blocks the loop: `time.sleep` or a CPU loop; then the fixes, `asyncio.to_thread` and a
CPU loop with `await asyncio.sleep(0)` between chunks. Prints the worst lag of each as one JSON
object for `cargo run -p coroutines -- compare`.

    python3 crates/coroutines/python/blocking.py --block-ms 150
"""

import argparse
import asyncio
import json
import time

PERIOD = 0.001


async def monitor(lags, stop):
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + PERIOD
        await asyncio.sleep(PERIOD)
        lags.append(max(0.0, loop.time() - due))


def spin(seconds):
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


# ANCHOR: culprits
async def culprit(kind, block):
    if kind == "sleep":
        time.sleep(block)  # holds the loop's only thread
    elif kind == "cpu-loop":
        spin(block)
    elif kind == "to-thread":
        await asyncio.to_thread(time.sleep, block)  # the loop runs on meanwhile
    elif kind == "sleep-0":
        until = time.perf_counter() + block
        while time.perf_counter() < until:
            spin(0.001)
            await asyncio.sleep(0)  # let the others run between chunks
# ANCHOR_END: culprits


async def stall(kind, block):
    started = time.perf_counter()
    lags, stop = [], asyncio.Event()
    watching = asyncio.create_task(monitor(lags, stop))
    await asyncio.sleep(0.02)
    await culprit(kind, block)
    await asyncio.sleep(0.02)
    stop.set()
    await watching
    return {"kind": kind, "wall_s": time.perf_counter() - started, "ticks": len(lags), "max_lag_s": max(lags, default=0.0),
            "stalled_ticks": sum(1 for lag in lags if lag > block / 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block-ms", type=int, default=150)
    args = parser.parse_args()
    block = args.block_ms / 1000
    kinds = ["sleep", "cpu-loop", "to-thread", "sleep-0"]
    print(json.dumps({"variants": [asyncio.run(stall(kind, block)) for kind in kinds]}))


if __name__ == "__main__":
    main()
