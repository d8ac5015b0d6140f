"""Python twin of the threading lesson's `ending` experiment (our own script, stdlib only).

Runs itself as a child process twice: once with a normal worker thread, once with a daemon
thread, each writing STEPS lines over about 100 ms while the main thread returns at once; then
prints how many steps each worker got through and how long each child ran, as one JSON object
for `cargo run -p threading -- compare`. Also shows `threading.local`.

    python3 crates/threading/python/ending.py
"""

import json
import subprocess
import sys
import threading
import time

STEPS = 5


# ANCHOR: daemon
def worker():
    for step in range(1, STEPS + 1):
        time.sleep(0.02)
        print(f"step {step}", flush=True)


def child(daemon):
    threading.Thread(target=worker, daemon=daemon).start()
    # main returns here: Python waits for a normal thread, and cuts a daemon
    # thread off
# ANCHOR_END: daemon


# ANCHOR: local
def thread_locals(threads, increments):
    """Each thread counts in its own `threading.local()`: no lock, no
    sharing."""
    mine = threading.local()
    totals = []

    def count():
        mine.count = 0  # this thread's own attribute
        for _ in range(increments):
            mine.count += 1
        totals.append(mine.count)

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return totals
# ANCHOR_END: local


def main():
    if sys.argv[1:2] == ["--child"]:
        child(daemon=sys.argv[2] == "daemon")
        return
    figures = {"steps": STEPS}
    for kind in ["normal", "daemon"]:
        started = time.perf_counter()
        output = subprocess.run(
            [sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=True
        ).stdout
        figures[kind] = output.count("step")
        figures[f"{kind}_s"] = time.perf_counter() - started
    figures["increments"] = 1000
    figures["thread_locals"] = thread_locals(4, figures["increments"])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
