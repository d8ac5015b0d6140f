"""Python twin of the futures-api lesson's `pool-size` experiment (our own script, stdlib only).

COUNT downloads from the lesson's delay server on ThreadPoolExecutor(4), on the default size
(min(32, cpu_count + 4)), on one thread per download, and as asyncio tasks; prints the wall time of
each as one JSON object for `cargo run -p futures-api -- compare`.

Run it by hand against the standalone server:
    cargo run -p lesson-kit --bin delay-server -- --port 8000
    python3 crates/futures-api/python/pool_size.py http://127.0.0.1:8000 --count 24 --delay-ms 100
"""

import argparse
import asyncio
import json
import os
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return len(response.read())


# ANCHOR: pool
def on_threads(workers, urls):
    with ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(fetch, urls))
# ANCHOR_END: pool


async def fetch_async(url):
    """A plain HTTP/1.0 GET on asyncio's streams: the standard library has no async HTTP client."""
    parts = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(f"GET {parts.path} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
    await writer.drain()
    body = await reader.read()
    writer.close()
    await writer.wait_closed()
    return len(body)


async def as_coroutines(urls):
    return await asyncio.gather(*(fetch_async(url) for url in urls))


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--delay-ms", type=int, default=100)
    args = parser.parse_args()
    urls = [f"{args.base_url}/delay/{args.delay_ms}"] * args.count
    default = min(32, (os.cpu_count() or 1) + 4)
    print(json.dumps({
        "default_workers": default,
        "four_s": timed(lambda: on_threads(4, urls)),
        "default_s": timed(lambda: on_threads(default, urls)),
        "one_each_s": timed(lambda: on_threads(args.count, urls)),
        "asyncio_s": timed(lambda: asyncio.run(as_coroutines(urls))),
    }))


if __name__ == "__main__":
    main()
