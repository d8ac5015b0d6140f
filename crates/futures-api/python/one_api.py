"""Python twin of the futures-api lesson's `one-api` experiment (our own script, stdlib only).

Downloads from the lesson's delay server, then countdowns, each through
ThreadPoolExecutor(4) and through ProcessPoolExecutor(4): the same `map` call with the
executor's name changed. Prints the wall time of each, pool start included (the `with` block),
as one JSON object for `cargo run -p futures-api -- compare`.

Run it by hand against the standalone server:
    cargo run -p lesson-kit --bin delay-server -- --port 8000
    python3 crates/futures-api/python/one_api.py http://127.0.0.1:8000 --downloads 8 --delay-ms 200
"""

import argparse
import json
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

WORKERS = 4


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return len(response.read())


def countdown(n):
    while n > 0:
        n -= 1
    return n


# ANCHOR: one_word
def through(executor_class, work, items):
    """Seconds for one `map` on a fresh pool, its start included."""
    start = time.perf_counter()
    with executor_class(max_workers=WORKERS) as executor:
        list(executor.map(work, items))
    return time.perf_counter() - start
# ANCHOR_END: one_word


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--downloads", type=int, default=8)
    parser.add_argument("--delay-ms", type=int, default=200)
    parser.add_argument("--steps", type=int, default=3_000_000)
    args = parser.parse_args()
    urls = [f"{args.base_url}/delay/{args.delay_ms}"] * args.downloads
    steps = [args.steps] * WORKERS
    print(json.dumps({
        "downloads_on_threads_s": through(ThreadPoolExecutor, fetch, urls),
        "downloads_on_processes_s": through(ProcessPoolExecutor, fetch, urls),
        "countdown_on_threads_s": through(ThreadPoolExecutor, countdown, steps),
        "countdown_on_processes_s": through(ProcessPoolExecutor, countdown, steps),
    }))


if __name__ == "__main__":
    main()
