"""Python twin of the threading lesson's `waiting` experiment (our own script, stdlib only).

Fetches COUNT URLs from the lesson's delay server, one after another and then one thread each,
and prints the timings as one JSON object on stdout for `cargo run -p threading -- compare`.

Run it by hand against the standalone server:
    cargo run -p lesson-kit --bin delay-server -- --port 8000
    python3 crates/threading/python/waiting.py http://127.0.0.1:8000 --count 3 --delay-ms 300
"""

import argparse
import json
import pathlib
import sys
import threading
import time
import urllib.request

# lesson-kit's span recorder, shared by the twins of every lesson (not copied into each);
# imported without leaving a __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "lesson-kit" / "python"))
from lesson_spans import WAITING_FOR_IO, Spans  # noqa: E402


# ANCHOR: fetch
def fetch(url, results, index):
    """Downloads one URL; a blocking read, during which CPython releases the
    GIL."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            results[index] = len(response.read())
    except OSError as error:  # URLError, HTTPError, timeouts
        results[index] = f"error: {error}"
# ANCHOR_END: fetch


def sequential(urls):
    results = [None] * len(urls)
    for index, url in enumerate(urls):
        fetch(url, results, index)
    return results


# ANCHOR: threaded
def threaded(urls):
    results = [None] * len(urls)
    threads = [
        threading.Thread(target=fetch, args=(url, results, index))
        for index, url in enumerate(urls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
# ANCHOR_END: threaded


def traced(urls):
    """The threaded run again, each thread's wait recorded on its own lane (as the Rust side
    records its own): the timeline the book draws beside Rust's."""
    spans = Spans()
    results = [None] * len(urls)

    def fetch_on_lane(url, index):
        with spans.span(f"thread {index + 1}", WAITING_FOR_IO):
            fetch(url, results, index)

    threads = [
        threading.Thread(target=fetch_on_lane, args=(url, index))
        for index, url in enumerate(urls)
    ]
    for index, thread in enumerate(threads):
        spans.lane(f"thread {index + 1}")
        thread.start()
    for thread in threads:
        thread.join()
    return spans.data()


def timed(function, urls):
    wall, cpu = time.perf_counter(), time.process_time()
    results = function(urls)
    return results, time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="the delay server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=300)
    args = parser.parse_args()
    urls = [f"{args.base_url}/delay/{args.delay_ms}"] * args.count

    one_by_one, sequential_s, sequential_cpu_s = timed(sequential, urls)
    together, threaded_s, threaded_cpu_s = timed(threaded, urls)
    trace = traced(urls)
    failed = [r for r in one_by_one + together if isinstance(r, str)]
    print(json.dumps({
        "count": args.count,
        "delay_s": args.delay_ms / 1000,
        "sequential_s": sequential_s,
        "sequential_cpu_s": sequential_cpu_s,
        "threaded_s": threaded_s,
        "threaded_cpu_s": threaded_cpu_s,
        "failed": failed,
        "trace": trace,
    }))


if __name__ == "__main__":
    main()
