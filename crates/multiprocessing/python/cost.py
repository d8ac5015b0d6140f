"""Our Python twin of the `cost` experiment: what starting a thread or a process costs.

A thread, then a process by each of the three start methods (fork, forkserver, spawn), each
started with a function that does nothing and joined; each sample is the median of a batch. Also
the private memory of an idle spawned process. Prints one JSON object.

    python3 cost.py [--repeat N]
"""

import argparse
import json
import multiprocessing
import statistics
import threading
import time


def nothing():
    pass


def idle(ready, stop):
    ready.set()
    stop.wait()


# ANCHOR: start
def start_and_join(start_method):
    context = multiprocessing.get_context(start_method)
    started = time.perf_counter()
    process = context.Process(target=nothing)
    process.start()
    process.join()
    return time.perf_counter() - started
# ANCHOR_END: start


def thread_start_and_join():
    started = time.perf_counter()
    thread = threading.Thread(target=nothing)
    thread.start()
    thread.join()
    return time.perf_counter() - started


def batch(count, start, *args):
    return statistics.median(start(*args) for _ in range(count))


def private_bytes(pid):
    """Private_Clean + Private_Dirty from /proc/PID/smaps_rollup (Linux), or None."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            fields = dict(line.split(":", 1) for line in rollup if ":" in line)
    except OSError:
        return None
    kib = sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty") if k in fields)
    return kib * 1024


def idle_process_memory():
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=idle, args=(ready, stop))
    process.start()
    ready.wait()  # the child has started and imported everything it needs
    memory = private_bytes(process.pid)
    stop.set()
    process.join()
    return memory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    methods = multiprocessing.get_all_start_methods()
    for method in methods:
        start_and_join(method)  # The first forkserver start also starts the server.
    figures = {"thread_s": [], "fork_s": [], "forkserver_s": [], "spawn_s": []}
    for _ in range(args.repeat):
        figures["thread_s"].append(batch(200, thread_start_and_join))
        for method, count in (("fork", 20), ("forkserver", 20), ("spawn", 5)):
            if method in methods:
                figures[f"{method}_s"].append(batch(count, start_and_join, method))
    figures["process_private_bytes"] = idle_process_memory()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
