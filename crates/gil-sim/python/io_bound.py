"""Downloads one after another and on threads: the twin of `cargo run -p gil-sim -- io-bound`.

Needs the local delay server: `cargo run -p lesson-kit --bin delay-server -- --port 8000`, then
python3 crates/gil-sim/python/io_bound.py --url http://127.0.0.1:8000/delay/50
Prints one JSON object with the wall times, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import sys
import threading
import time
import urllib.request


# ANCHOR: download
def download(url):
    """Blocks on the socket: CPython releases the GIL around every recv,
    so threads overlap."""
    with urllib.request.urlopen(url) as answer:
        return answer.read()
# ANCHOR_END: download


def timed(work):
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000/delay/50")
    parser.add_argument("--downloads", type=int, default=4)
    args = parser.parse_args()

    def sequential():
        for _ in range(args.downloads):
            download(args.url)

    # ANCHOR: threads
    def on_threads():
        threads = [threading.Thread(target=download, args=(args.url,))
                   for _ in range(args.downloads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # ANCHOR_END: threads

    print(json.dumps({
        "python": sys.version.split()[0],
        "sequential_s": timed(sequential),
        "threads_s": timed(on_threads),
    }))


if __name__ == "__main__":
    main()
