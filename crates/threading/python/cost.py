"""Python twin of the threading lesson's `cost` experiment (our own script, stdlib only).

Measures starting and joining one thread (the median of SAMPLES), then starts THREADS threads
that sleep until told to finish, timing a short countdown before the first thread and with all
of them alive, and prints the figures as one JSON object on stdout for
`cargo run -p threading -- compare`.

    python3 crates/threading/python/cost.py --samples 1000 --threads 10000
"""

import argparse
import json
import statistics
import threading
import time


def nothing():
    pass


# ANCHOR: spawn_join
def spawn_join_median(samples):
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        thread = threading.Thread(target=nothing)
        thread.start()
        thread.join()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
# ANCHOR_END: spawn_join


def resident_bytes():
    """VmRSS from /proc (Linux); None elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def countdown_seconds(n):
    """How long `n` steps of interpreted arithmetic take on this thread."""
    started = time.perf_counter()
    while n > 0:
        n -= 1
    return time.perf_counter() - started


# ANCHOR: many
def start_sleeping_threads(count):
    """Starts up to `count` threads that wait on one Event; returns them once
    all are running, with the error that stopped it early, if any."""
    finish = threading.Event()
    running = threading.Semaphore(0)

    def sleeper():
        running.release()
        finish.wait()

    threads, error = [], None
    for _ in range(count):
        thread = threading.Thread(target=sleeper, daemon=True)
        try:
            thread.start()
        except RuntimeError as e:  # "can't start new thread"
            error = str(e)
            break
        threads.append(thread)
    for _ in threads:
        running.acquire()
    return threads, finish, error
# ANCHOR_END: many


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--countdown", type=int, default=200_000)
    args = parser.parse_args()

    median_s = spawn_join_median(args.samples)
    rss_before = resident_bytes()
    countdown_before_s = countdown_seconds(args.countdown)
    started = time.perf_counter()
    threads, finish, error = start_sleeping_threads(args.threads)
    start_all_s = time.perf_counter() - started
    countdown_at_s = countdown_seconds(args.countdown)
    rss = resident_bytes()
    finish.set()
    for thread in threads:
        thread.join()
    print(json.dumps({
        "spawn_join_median_s": median_s,
        "threads": args.threads,
        "started": len(threads),
        "error": error,
        "start_all_s": start_all_s,
        "countdown_before_s": countdown_before_s,
        "countdown_at_s": countdown_at_s,
        "rss_before_bytes": rss_before,
        "rss_bytes": rss,
    }))


if __name__ == "__main__":
    main()
