"""Python twin of the threading lesson's `signals` experiment (our own script, stdlib only).

Event, Condition, Semaphore and Barrier, each run with a few threads, printing what each
promised, what happened and how long it took as one JSON object for
`cargo run -p threading -- compare`. The semaphore bounds sleeps here, not downloads,
and counts the threads inside itself.

    python3 crates/threading/python/signals.py
"""

import collections
import json
import threading
import time


# ANCHOR: event
def event(waiters):
    go = threading.Event()
    woken = []

    def waiter():
        go.wait()  # sleeps until go.set()
        woken.append(go.is_set())

    threads = [threading.Thread(target=waiter) for _ in range(waiters)]
    for thread in threads:
        thread.start()
    go.set()  # wakes every waiter at once
    for thread in threads:
        thread.join()
    early = woken.count(False)
    return {"waiters": waiters, "woken": len(woken), "early": early}
# ANCHOR_END: event


# ANCHOR: condition
def condition(items):
    queue = collections.deque()
    not_empty = threading.Condition()
    received = []

    def consumer():
        while True:
            with not_empty:
                # sleeps until there is an item
                not_empty.wait_for(lambda: queue)
                item = queue.popleft()
            if item is None:  # the producer's "no more"
                return
            received.append(item)

    thread = threading.Thread(target=consumer)
    thread.start()
    for item in [*range(items), None]:
        with not_empty:
            queue.append(item)
            not_empty.notify()
    thread.join()
    return {"items": items, "in_order": received == list(range(items))}
# ANCHOR_END: condition


# ANCHOR: semaphore
def semaphore(threads, permits):
    slots = threading.Semaphore(permits)
    inside, peak, count_lock = 0, 0, threading.Lock()

    def worker():
        nonlocal inside, peak
        with slots:  # at most `permits` threads at a time in here
            with count_lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.05)  # stands for a download
            with count_lock:
                inside -= 1

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return {"threads": threads, "permits": permits, "peak_inside": peak}
# ANCHOR_END: semaphore


# ANCHOR: barrier
def barrier(parties):
    everyone = threading.Barrier(parties)
    phase_one_done, early, lock = 0, 0, threading.Lock()

    def worker():
        nonlocal phase_one_done, early
        with lock:
            phase_one_done += 1  # phase 1
        everyone.wait()  # nobody passes until all `parties` have arrived
        with lock:
            if phase_one_done < parties:
                early += 1  # phase 2 began too soon

    workers = [threading.Thread(target=worker) for _ in range(parties)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return {"threads": parties, "early": early}
# ANCHOR_END: barrier


def main():
    parts = {
        "event": lambda: event(8),
        "condition": lambda: condition(10_000),
        "semaphore": lambda: semaphore(6, 2),
        "barrier": lambda: barrier(8),
    }
    figures, seconds = {}, []
    for name, part in parts.items():
        started = time.perf_counter()
        figures[name] = part()
        seconds.append(time.perf_counter() - started)
    print(json.dumps({**figures, "seconds": seconds}))


if __name__ == "__main__":
    main()
