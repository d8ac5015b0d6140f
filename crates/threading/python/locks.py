"""Python twin of the threading lesson's `locks` experiment (our own script, stdlib only).

A thread that takes a Lock twice, and the same with an RLock; then two threads that take two
locks in opposite orders, then in one order, each waiting at most TIMEOUT for its second lock.
Prints what happened, and how long each pair of threads took, as one JSON object for
`cargo run -p threading -- compare`.

    python3 crates/threading/python/locks.py
"""

import json
import threading
import time

HOLD = 0.05  # how long each thread holds its first lock before asking for the second
TIMEOUT = 0.2  # how long it waits for the second before it gives up


# ANCHOR: relock
def takes_twice(lock):
    """Whether a thread that holds `lock` gets it again (asked without
    waiting)."""
    with lock:
        # a plain `with lock:` here would wait forever
        again = lock.acquire(blocking=False)
        if again:
            lock.release()
        return again
# ANCHOR_END: relock


# ANCHOR: deadlock
def transfer(first, second, results, name):
    with first:
        time.sleep(HOLD)  # the work done with the first lock held
        # gives up after TIMEOUT instead of waiting forever
        if second.acquire(timeout=TIMEOUT):
            second.release()
            results[name] = "both"
        else:
            results[name] = "gave up"


def two_locks(opposite):
    a, b = threading.Lock(), threading.Lock()
    results = {}
    order_2 = (b, a) if opposite else (a, b)
    threads = [
        threading.Thread(target=transfer, args=(a, b, results, "thread 1")),
        threading.Thread(target=transfer, args=(*order_2, results, "thread 2")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
# ANCHOR_END: deadlock


def timed(work):
    """What `work()` returned, and how many seconds it took."""
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def main():
    opposite_orders, opposite_s = timed(lambda: two_locks(opposite=True))
    one_order, one_order_s = timed(lambda: two_locks(opposite=False))
    print(json.dumps({
        "lock_taken_twice": takes_twice(threading.Lock()),
        "rlock_taken_twice": takes_twice(threading.RLock()),
        "opposite_orders": opposite_orders,
        "opposite_s": opposite_s,
        "one_order": one_order,
        "one_order_s": one_order_s,
    }))


if __name__ == "__main__":
    main()
