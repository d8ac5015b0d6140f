"""Our Python twin of the `pipeline` experiment: the same images, processed by Pillow.

In turn, in a `multiprocessing.Pool`, and on a `ThreadPoolExecutor` (Pillow releases the GIL in
its C code, so its threads do run in parallel). Prints one JSON object.

Needs Pillow: `python3 -m pip install Pillow` (or `apt install python3-pil`). Without it, the JSON
says `"pillow": null` and the comparison says how to install it.

    python3 pipeline.py --images DIR [--workers N] [--repeat N]
    python3 pipeline.py [--out DIR] -- PHOTO...

`cargo run -p multiprocessing -- pipeline --dir PATH` passes the reader's photos by name, and a
folder for the JPEGs (`--out`): each variant writes into its own subfolder there.

`cargo run -p multiprocessing -- compare` passes the folder of PPM images the Rust lesson
generated. Without --images, the script makes its own noise images.
"""

import argparse
import functools
import io
import json
import os
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool

try:
    import PIL
    from PIL import Image, ImageFilter
except ImportError:
    PIL = None


def lap(started):
    """The seconds since `started`, and a new start."""
    now = time.perf_counter()
    return now - started, now


# ANCHOR: process_image
def process_image(path):
    """Read, resize to half (Lanczos), blur (Gaussian 2), encode (JPEG 85)."""
    stages = {}
    started = time.perf_counter()
    image = Image.open(path)
    image.load()
    stages["read_s"], started = lap(started)
    half = (image.width // 2, image.height // 2)
    small = image.resize(half, Image.LANCZOS)
    stages["resize_s"], started = lap(started)
    blurred = small.filter(ImageFilter.GaussianBlur(2))
    stages["blur_s"], started = lap(started)
    out = io.BytesIO()
    blurred.save(out, "JPEG", quality=85)
    stages["encode_s"] = time.perf_counter() - started
    return out.getvalue(), stages
# ANCHOR_END: process_image


def process_into(folder, path):
    """process_image, its JPEG written into `folder` (named as `pipeline --dir` names it)."""
    jpeg, stages = process_image(path)
    if folder is not None:
        name = os.path.basename(path)
        if not name.lower().endswith((".jpg", ".jpeg")):
            name += ".jpg"
        with open(os.path.join(folder, name), "wb") as file:
            file.write(jpeg)
    return len(jpeg), stages


def in_turn(paths, out=None):
    return [process_into(subfolder(out, "sequential"), path) for path in paths]


# ANCHOR: pool
def in_a_pool(paths, workers, out=None):
    work = functools.partial(process_into, subfolder(out, "pool"))
    with Pool(processes=workers) as pool:
        return pool.map(work, paths)
# ANCHOR_END: pool


def on_threads(paths, workers, out=None):
    work = functools.partial(process_into, subfolder(out, "threads"))
    with ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(work, paths))


def subfolder(out, name):
    """`out/name`, made if need be; None (write nothing) without `out`."""
    if out is None:
        return None
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    return folder


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def noise_images(folder, count, side):
    paths = []
    for seed in range(1, count + 1):
        pixels = random.Random(seed).randbytes(side * side * 3)
        path = os.path.join(folder, f"image-{seed:02}.ppm")
        Image.frombytes("RGB", (side, side), pixels).save(path)
        paths.append(path)
    return paths


def measure(paths, workers, repeat, out=None):
    sequential, pool, threads, stages = [], [], [], []
    for _ in range(repeat):
        took, results = timed(in_turn, paths, out)
        sequential.append(took)
        stages.extend(s for _, s in results)
        pool.append(timed(in_a_pool, paths, workers, out)[0])
        threads.append(timed(on_threads, paths, workers, out)[0])
    median = {key: statistics.median(s[key] for s in stages) for key in stages[0]}
    return {
        "version": PIL.__version__,
        "sequential_s": sequential,
        "pool_s": pool,
        "threads_s": threads,
        "stages": median,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", help="a folder of .ppm images")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", help="write each variant's JPEGs under this folder")
    parser.add_argument("photos", nargs="*", help="these files instead of --images")
    args = parser.parse_args()
    if PIL is None:
        print(json.dumps({"pillow": None, "images": 0}))
        return
    with tempfile.TemporaryDirectory() as scratch:
        if args.photos:
            paths = args.photos
        elif args.images:
            names = sorted(n for n in os.listdir(args.images) if n.endswith(".ppm"))
            paths = [os.path.join(args.images, n) for n in names]
        else:
            paths = noise_images(scratch, args.count, args.size)
        figures = measure(paths, args.workers, args.repeat, args.out)
    print(json.dumps({"pillow": figures, "images": len(paths)}))


if __name__ == "__main__":
    main()
