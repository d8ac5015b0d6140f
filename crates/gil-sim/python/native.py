"""Image processing and hashing on threads: the twin of `cargo run -p gil-sim -- native`.

With Pillow installed: noise images blurred in turn, then one thread each. Pillow's C code
releases the GIL around its filters, so the threads run on every core.
Without Pillow: hashlib.sha256 over the same data in chunks of 2047 bytes, 2048 bytes and 1 MiB,
in turn and then one thread per buffer. hashlib releases the GIL only for data larger than 2047
bytes (its docs say so): the two smaller cases stand on either side of that line.

Run it: python3 crates/gil-sim/python/native.py --images 4 --side 512
Prints one JSON object, for `cargo run -p gil-sim -- compare`.
"""

import argparse
import hashlib
import json
import sys
import threading
import time

CHUNKS = [2047, 2048, 1 << 20]


def timed(work):
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def one_thread_each(function, items):
    """function(item) on one thread per item; returns when all are done."""
    threads = [threading.Thread(target=function, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def with_pillow(images, side, passes):
    import PIL
    from PIL import Image, ImageFilter

    pictures = [Image.effect_noise((side, side), 64) for _ in range(images)]

    # ANCHOR: pillow
    def blur(picture):
        for _ in range(passes):
            # C code, GIL released
            picture = picture.filter(ImageFilter.BoxBlur(1))
        return picture
    # ANCHOR_END: pillow

    return [{
        "label": f"Pillow {PIL.__version__} BoxBlur",
        "chunk_bytes": None,
        "in_turn_s": timed(lambda: [blur(p) for p in pictures]),
        "threads_s": timed(lambda: one_thread_each(blur, pictures)),
    }]


def with_hashlib(images, bytes_each):
    buffers = [bytes([i]) * bytes_each for i in range(images)]
    cases = []
    for chunk in CHUNKS:
        # ANCHOR: hashlib
        def hash_in_chunks(data, chunk=chunk):
            view = memoryview(data)
            for start in range(0, len(view), chunk):
                # GIL released if > 2047 B
                hashlib.sha256(view[start:start + chunk]).digest()
        # ANCHOR_END: hashlib
        cases.append({
            "label": f"hashlib sha256, {chunk}-byte chunks",
            "chunk_bytes": chunk,
            "in_turn_s": timed(lambda: [hash_in_chunks(b) for b in buffers]),
            "threads_s": timed(lambda: one_thread_each(hash_in_chunks, buffers)),
        })
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=4, help="images or buffers, and threads")
    parser.add_argument("--side", type=int, default=512, help="each image's side, in pixels")
    parser.add_argument("--passes", type=int, default=4, help="blurs of each image")
    parser.add_argument("--bytes-each", type=int, default=8 << 20, help="each buffer, hashlib")
    args = parser.parse_args()
    try:
        cases = with_pillow(args.images, args.side, args.passes)
    except ImportError:
        cases = with_hashlib(args.images, args.bytes_each)
    print(json.dumps({"python": sys.version.split()[0], "cases": cases}))


if __name__ == "__main__":
    main()
