"""Python twin of the coroutines lesson's `cancel` experiment (our own script, stdlib only).

What runs when asyncio cancels: a slow operation under `asyncio.wait_for` and under
`asyncio.timeout` (3.11), whose `finally` records when it ran (and awaits, which a Rust `Drop`
cannot); and a task group whose first failure cancels a sibling. Prints one JSON object for
`cargo run -p coroutines -- compare`.

    python3 crates/coroutines/python/cancel.py
"""

import asyncio
import json


# ANCHOR: finally
async def slow_query(log):
    try:
        await asyncio.sleep(1)
        return "rows"
    finally:
        await asyncio.sleep(0)  # a `finally` may await: cleanup can talk to the network
        log.append("cleanup ran (finally)")
# ANCHOR_END: finally


async def with_wait_for():
    log = []
    try:
        log.append(await asyncio.wait_for(slow_query(log), 0.1))
    except TimeoutError:
        log.append("timed out")
    return log


async def with_timeout():
    log = []
    try:
        async with asyncio.timeout(0.1):
            log.append(await slow_query(log))
    except TimeoutError:
        log.append("timed out")
    return log


async def sibling_of_a_failure():
    log = []

    async def sibling():
        try:
            await asyncio.sleep(1)
            log.append("sibling finished")
        except asyncio.CancelledError:
            log.append("sibling cancelled")
            raise

    async def failing():
        await asyncio.sleep(0.1)
        raise RuntimeError("failed")

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(sibling())
            group.create_task(failing())
    except ExceptionGroup:
        log.append("group raised")
    return log


def main():
    print(json.dumps({
        "wait_for": asyncio.run(with_wait_for()),
        "timeout": asyncio.run(with_timeout()),
        "task_group": asyncio.run(sibling_of_a_failure()),
    }))


if __name__ == "__main__":
    main()
