"""Our Python twin of the `talking` experiment: a Queue's throughput and a Pipe's round trip.

A child process puts 10,000 messages of 64 bytes on a `multiprocessing.Queue` and the parent
takes them; then 200 round trips of 64 bytes through a `Pipe`. Prints one JSON object.

    python3 talking.py [--repeat N]
"""

import argparse
import json
import statistics
import time
from multiprocessing import Pipe, Process, Queue

MESSAGES = 10_000
SIZE = 64
ROUND_TRIPS = 200


# ANCHOR: queue
def producer(queue, count, size):
    for i in range(count):
        queue.put(bytes([i % 256]) * size)
    queue.put(None)  # "no more"


def drain(count, size):
    queue = Queue()
    child = Process(target=producer, args=(queue, count, size))
    child.start()
    started = time.perf_counter()
    while queue.get() is not None:
        pass
    took = time.perf_counter() - started
    child.join()
    return took
# ANCHOR_END: queue


def echo(connection):
    while (message := connection.recv()) is not None:
        connection.send(message)


def round_trips(count, size):
    parent, child_end = Pipe()
    child = Process(target=echo, args=(child_end,))
    child.start()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        parent.send(b"x" * size)
        parent.recv()
        times.append(time.perf_counter() - started)
    parent.send(None)
    child.join()
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    queue, pipe = [], []
    for _ in range(args.repeat):
        queue.append(drain(MESSAGES, SIZE))
        pipe.append(round_trips(ROUND_TRIPS, SIZE))
    print(json.dumps({"messages": MESSAGES, "size": SIZE, "queue_s": queue, "round_trip_s": pipe}))


if __name__ == "__main__":
    main()
