"""Python twin of the futures-api lesson's `completion-order` experiment (our own script, stdlib only).

Five downloads from the lesson's delay server, submitted slowest first, all running at once on one
ThreadPoolExecutor: the seconds until the first result is in hand through `map` (the first
submitted) and through `as_completed` (the fastest), and the order `as_completed` handed the
futures over. Prints one JSON object for `cargo run -p futures-api -- compare`.

Run it by hand against the standalone server:
    cargo run -p lesson-kit --bin delay-server -- --port 8000
    python3 crates/futures-api/python/completion_order.py http://127.0.0.1:8000 --unit-ms 60
"""

import argparse
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return len(response.read())


def with_map(executor, urls):
    start = time.perf_counter()
    results = executor.map(fetch, urls)
    next(results)
    first_s = time.perf_counter() - start
    list(results)
    return first_s


# ANCHOR: as_completed
def with_as_completed(executor, urls):
    start = time.perf_counter()
    futures = [executor.submit(fetch, url) for url in urls]
    first_s, order = None, []
    for done in as_completed(futures):
        if first_s is None:
            first_s = time.perf_counter() - start
        order.append(futures.index(done))
        done.result()
    return first_s, order
# ANCHOR_END: as_completed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--unit-ms", type=int, default=60)
    args = parser.parse_args()
    urls = [f"{args.base_url}/delay/{args.unit_ms * k}" for k in range(5, 0, -1)]
    with ThreadPoolExecutor(max_workers=len(urls)) as executor:
        map_first_s = with_map(executor, urls)
        as_completed_first_s, order = with_as_completed(executor, urls)
    print(json.dumps({
        "map_first_s": map_first_s,
        "as_completed_first_s": as_completed_first_s,
        "as_completed_order": order,
    }))


if __name__ == "__main__":
    main()
