"""An I/O thread's requests, alone and next to a CPU-bound thread: the twin of
`cargo run -p gil-sim -- convoy`.

Each request is a `sendall` and a `recv` on one kept-alive connection; CPython releases the GIL
around both, and has to take it back after both. Next to a CPU-bound thread, taking it back waits
for the switch interval to run out (the convoy effect, bpo-7946).

Python cannot time its own wait for the GIL, so this twin times each receive as the I/O thread
sees it (from calling it to running again); `compare` subtracts the receive's median time alone.

Needs the local delay server: `cargo run -p lesson-kit --bin delay-server -- --port 8000`, then
python3 crates/gil-sim/python/convoy.py --url http://127.0.0.1:8000/delay/1 --intervals 0.005 0.001
Prints one JSON object, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import json
import socket
import sys
import threading
import time
from urllib.parse import urlsplit


def read_answer(sock, pending):
    """recv until one whole HTTP answer (head + Content-Length body) is in; returns the rest."""
    buffer = pending
    while True:
        head_end = buffer.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buffer[:head_end].decode("latin-1")
            length = next(int(line.split(":", 1)[1]) for line in head.split("\r\n")
                          if line.lower().startswith("content-length:"))
            end = head_end + 4 + length
            if len(buffer) >= end:
                return buffer[end:]
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-answer")
        buffer += chunk


# ANCHOR: io_thread
def make_requests(host, port, path, requests):
    """The I/O thread: how long each receive took, as this thread saw it."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    receives = []
    with socket.create_connection((host, port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        for _ in range(requests):
            sock.sendall(request)  # releases the GIL, then queues for it again
            called = time.perf_counter()
            pending = read_answer(sock, pending)  # the same, around every recv
            receives.append(time.perf_counter() - called)
    return receives
# ANCHOR_END: io_thread


# ANCHOR: cpu_thread
def spin(stop):
    """The CPU-bound neighbour: interpreted work until told to stop."""
    while not stop.is_set():
        n = 1_000
        while n > 0:
            n -= 1
# ANCHOR_END: cpu_thread


def at_interval(url, requests, interval):
    """The I/O thread alone, then next to one CPU-bound thread, at one switch interval."""
    sys.setswitchinterval(interval)
    alone = make_requests(url.hostname, url.port, url.path, requests)
    stop = threading.Event()
    neighbour = threading.Thread(target=spin, args=(stop,))
    neighbour.start()
    try:
        with_cpu = make_requests(url.hostname, url.port, url.path, requests)
    finally:
        stop.set()
        neighbour.join()
    return {"interval_s": sys.getswitchinterval(), "alone_recv_s": alone,
            "with_cpu_recv_s": with_cpu}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000/delay/1")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--intervals", type=float, nargs="+", default=[0.005, 0.001],
                        help="switch intervals (sys.setswitchinterval), in seconds")
    args = parser.parse_args()
    url = urlsplit(args.url)
    runs = [at_interval(url, args.requests, interval) for interval in args.intervals]
    print(json.dumps({"python": sys.version.split()[0], "intervals": runs}))


if __name__ == "__main__":
    main()
