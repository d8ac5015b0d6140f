"""Python twin of the threading lesson's `pipeline` experiment (our own script, stdlib only).

FETCHERS threads download PAGES pages from the lesson's delay server and `put` them on a
`queue.Queue`; one parser thread `get`s them and hashes each (about PARSE_MS of work); one writer
thread owns the output. Run once with a queue that holds every page, once with `maxsize=CAPACITY`,
counting the pages waiting in the queue and in memory, and print one JSON object for
`cargo run -p threading -- compare`.

Run it by hand against the standalone server:
    cargo run -p lesson-kit --bin delay-server -- --port 8000
    python3 crates/threading/python/pipeline.py http://127.0.0.1:8000
"""

import argparse
import hashlib
import json
import queue
import threading
import time
import urllib.request

DONE = None  # what a stage sends down its queue when there is nothing more


class Gauge:
    """A count that goes up and down, and the most it ever reached."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def add(self):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def sub(self):
        with self.lock:
            self.now -= 1


def parse(body, rounds):
    digest = b""
    for _ in range(rounds):
        digest = hashlib.sha256(body + digest).digest()
    return digest


# ANCHOR: pipeline
def run(urls, fetchers, capacity, rounds):
    # put() blocks while `capacity` pages wait
    pages = queue.Queue(maxsize=capacity)
    parsed = queue.Queue(maxsize=capacity)
    queued, held, written = Gauge(), Gauge(), []
    todo = iter(enumerate(urls))
    todo_lock = threading.Lock()

    def fetcher():
        while True:
            with todo_lock:
                index, url = next(todo, (None, None))
            if url is None:
                return
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read()
            held.add()
            pages.put((index, body))  # waits here while the queue is full
            queued.add()

    def parser():
        for _ in range(fetchers):  # one DONE from each fetcher's last put
            while (page := pages.get()) is not DONE:
                queued.sub()
                index, body = page
                parsed.put((index, parse(body, rounds)))
                held.sub()
        parsed.put(DONE)

    def writer():
        while (result := parsed.get()) is not DONE:
            written.append(result[0])

    def fetcher_then_done():
        fetcher()
        pages.put(DONE)

    threads = [
        threading.Thread(target=fetcher_then_done) for _ in range(fetchers)
    ]
    threads += [
        threading.Thread(target=parser),
        threading.Thread(target=writer),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return written, queued.peak, held.peak
# ANCHOR_END: pipeline


def rounds_for(page_bytes, seconds):
    """Hash rounds over one page that take about `seconds` here."""
    body = b"x" * page_bytes
    started = time.perf_counter()
    parse(body, 20)
    per_round = (time.perf_counter() - started) / 20
    return max(1, int(seconds / per_round))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="the delay server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--pages", type=int, default=48)
    parser.add_argument("--fetchers", type=int, default=3)
    parser.add_argument("--capacity", type=int, default=4)
    parser.add_argument("--page-bytes", type=int, default=64 * 1024)
    parser.add_argument("--delay-ms", type=int, default=10)
    parser.add_argument("--parse-ms", type=float, default=10)
    args = parser.parse_args()
    urls = [f"{args.base_url}/bytes/{args.page_bytes}?delay_ms={args.delay_ms}"] * args.pages
    rounds = rounds_for(args.page_bytes, args.parse_ms / 1000)

    results = {}
    for name, capacity in [("big", args.pages), ("small", args.capacity)]:
        started = time.perf_counter()
        written, peak_queued, peak_held = run(urls, args.fetchers, capacity, rounds)
        results[name] = {
            "capacity": capacity,
            "seconds": time.perf_counter() - started,
            "peak_queued": peak_queued,
            "peak_held": peak_held,
            "all_written": sorted(written) == list(range(args.pages)),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
