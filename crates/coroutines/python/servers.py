"""Python twin of the coroutines lesson's `servers` experiment (our own script, stdlib only).

The same slow handler (it waits DELAY before answering) behind `ThreadingHTTPServer` (a thread per
connection) and behind an `asyncio.start_server` server (a task per connection), each loaded by
CLIENTS asyncio clients that keep one connection and send REQUESTS requests in turn. The clients
run in this process too, so they share the GIL with the threaded server. Prints one
JSON object for `cargo run -p coroutines -- compare`.

    python3 crates/coroutines/python/servers.py --clients 1000 --delay-ms 50
"""

import argparse
import asyncio
import http.server
import json
import threading
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def threaded_server(delay):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep the connection open between requests

        def do_GET(self):
            time.sleep(delay)  # this connection's thread waits
            self.send_response_only(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 4096  # the listen backlog: the default 5 refuses a crowd

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


# ANCHOR: async_server
async def handle(reader, writer, delay):
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            await asyncio.sleep(delay)  # this task waits; the loop serves the others
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
# ANCHOR_END: async_server


async def client(port, requests, latencies, failures):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        for _ in range(requests):
            started = time.perf_counter()
            writer.write(REQUEST)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            await asyncio.wait_for(reader.readexactly(2), 10)
            if b" 200 " not in head.split(b"\r\n")[0] + b" ":
                raise ConnectionError("unexpected answer")
            latencies.append(time.perf_counter() - started)
        writer.close()
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
        failures.append(str(error) or type(error).__name__)


def sample_threads(peak, stop):
    while not stop.is_set():
        peak[0] = max(peak[0], threading.active_count())
        time.sleep(0.001)


async def load(port, clients, requests):
    latencies, failures = [], []
    started = time.perf_counter()
    await asyncio.gather(*(client(port, requests, latencies, failures) for _ in range(clients)))
    return time.perf_counter() - started, sorted(latencies), failures


def percentile(values, p):
    if not values:
        return 0.0
    return values[max(1, min(len(values), -(-len(values) * p // 100))) - 1]


def result(kind, wall, latencies, failures, threads):
    return {"kind": kind, "wall_s": wall, "answered": len(latencies), "failed": len(failures),
            "p50_s": percentile(latencies, 50), "p99_s": percentile(latencies, 99),
            "peak_threads": threads}


async def with_async_server(args, delay):
    server = await asyncio.start_server(lambda r, w: handle(r, w, delay), "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    outcome = await load(port, args.clients, args.requests)
    server.close()
    return outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=50)
    args = parser.parse_args()
    delay = args.delay_ms / 1000
    results = []
    for kind in ("threads", "async"):
        peak, stop = [threading.active_count()], threading.Event()
        sampler = threading.Thread(target=sample_threads, args=(peak, stop), daemon=True)
        sampler.start()
        if kind == "threads":
            server, port = threaded_server(delay)
            wall, latencies, failures = asyncio.run(load(port, args.clients, args.requests))
            server.shutdown()
        else:
            wall, latencies, failures = asyncio.run(with_async_server(args, delay))
        stop.set()
        sampler.join()
        results.append(result(kind, wall, latencies, failures, peak[0]))
    print(json.dumps({"servers": results}))


if __name__ == "__main__":
    main()
