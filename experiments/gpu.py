"""Train a run kept here on a lent GPU machine (JAX, no TensorFlow, no network), in one call.

The device tool sends the working tree and at most 64 MiB in all, so the
training pictures travel packed and the wheels the machine lacks travel with
them. Three steps:

    .venv/bin/python experiments/gpu.py pack              # here: .gpu/ (ignored), about 30 MB
    bash experiments/gpu_train.sh 360 real-chroma real-mode-b32   # there (the device tool's command, carry .gpu)
    .venv/bin/python experiments/gpu.py collect real-chroma FILES_AT   # here, per run: the files it sent back

`pack` writes `.gpu/data.tar.xz` (data/clipart's pairs and data/clipart-
colours' pictures, each colour picture with more than 256 colours reduced
to its 256 most representative by median cut: the antialiased edges of a
flat-coloured picture, a mean change well under 1/255; the others exactly;
uncompressed PNGs in one xz stream, which packs them about 20% smaller than
PNG's own deflate) and `.gpu/whl/` (Keras and the two small wheels it needs
that the machine's Python 3.12 lacks). It prints what would travel.

`train` (run by gpu_train.sh there) unpacks the data and trains each RUN
in its own process, side by side on the one GPU (equal device time for an
equal-time comparison; each process's NumPy input pipeline takes 8 of the
machine's 16 cores): a new run starts from `experiments/RUN.json` warm
from the `--from` run's checkpoint (`warm_start.py`), a run with a
checkpoint resumes. When `--seconds` are spent each is stopped, keeping
its last completed epoch (so GPU runs use short epochs: 100 steps), and
its config, log, checkpoint and console log go to $OUT/RUN/ (the device
tool sends back at most 8 files: two runs).

`collect` copies a run's files into `experiments/RUN/`, ready to commit;
the next call resumes from them.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the package, also where it is not installed (the GPU machine)

from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE, LOG  # noqa: E402  (names only)

PACK = ROOT / ".gpu"
DATA = ("data/clipart", "data/clipart-colours")
# What the GPU machine's Python 3.12 lacks of Keras's needs (the device tool's KINDS.md lists what it has).
WHEELS = ("keras==3.15.1", "namex==0.1.0", "optree==0.20.0")
TREE_LIMIT = 64 * 2**20  # what the device tool sends at most
RUN_FILES = (CONFIG_FILE, LOG, CHECKPOINT)


def pack_pictures(pictures: list[Path], root: Path, target: Path) -> int:
    """Write `pictures` (paths under `root`) into the xz tar `target` under their relative names;
    returns how many were reduced to 256 colours (the rest travel exactly)."""
    import numpy as np
    from PIL import Image

    reduced = 0
    with tarfile.open(target, "w:xz", preset=9) as tar:
        for path in pictures:
            name = str(path.relative_to(root))
            if path.suffix.lower() != ".png":
                tar.add(path, name)
                continue
            with Image.open(path) as im:
                if im.mode == "L":
                    out = im.copy()
                else:
                    rgb = np.asarray(im.convert("RGB"))
                    colours, index = np.unique(rgb.reshape(-1, 3), axis=0, return_inverse=True)
                    if len(colours) <= 256:  # exactly
                        out = Image.fromarray(index.reshape(rgb.shape[:2]).astype(np.uint8), "P")
                        out.putpalette(colours.astype(np.uint8).ravel().tolist())
                    else:
                        out = Image.fromarray(rgb).quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
                        reduced += 1
            buffer = io.BytesIO()
            out.save(buffer, "PNG", compress_level=0)  # xz compresses the raw pixels better than deflate
            info = tarfile.TarInfo(name)
            info.size = buffer.tell()
            buffer.seek(0)
            tar.addfile(info, buffer)
    return reduced


def unpack(target: Path, root: Path) -> None:
    with tarfile.open(target) as tar:
        tar.extractall(root, filter="data")


def pack(args) -> None:
    PACK.mkdir(exist_ok=True)
    pictures = [p for folder in DATA for p in sorted((ROOT / folder).rglob("*")) if p.is_file()]
    if not pictures:
        raise SystemExit(f"gpu.py: error: no training pictures in {', '.join(DATA)} (render them: README, 'Train on real art')")
    reduced = pack_pictures(pictures, ROOT, PACK / "data.tar.xz")
    wheels = PACK / "whl"
    shutil.rmtree(wheels, ignore_errors=True)
    platforms = [f"--platform={p}" for p in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version=3.12", "--implementation=cp", *platforms, "-d", str(wheels), *WHEELS], check=True)
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    tree = sum((ROOT / os.fsdecode(p)).stat().st_size for p in tracked if p and (ROOT / os.fsdecode(p)).is_file())
    packed = sum(p.stat().st_size for p in PACK.rglob("*") if p.is_file())
    print(f"{len(pictures)} pictures ({reduced} reduced to 256 colours), .gpu/ {packed / 1e6:.1f} MB, "
          f"tracked tree {tree / 1e6:.1f} MB: {(tree + packed) / 2**20:.1f} of {TREE_LIMIT / 2**20:.0f} MiB travel")
    if tree + packed > TREE_LIMIT:
        raise SystemExit("gpu.py: error: the tree and .gpu/ are over the device tool's 64 MiB")


def train(args) -> None:
    out = Path(os.environ.get("OUT", ROOT / "out" / "gpu"))
    if not all((ROOT / folder).is_dir() for folder in DATA):  # never over a checkout's own renders
        unpack(PACK / "data.tar.xz", ROOT)
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONUNBUFFERED": "1",
           "XLA_PYTHON_CLIENT_PREALLOCATE": "false",  # runs side by side share the card
           "PYTHONPATH": os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p)}
    if shutil.which("nvidia-smi"):
        subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"], check=False)
    processes = {}
    for name in args.runs:
        run = ROOT / "experiments" / name
        if (run / CHECKPOINT).exists():
            command = [sys.executable, "-m", "keras_anime_cyclegan", "train", "--out", str(run), "--resume", *args.extra]
        else:
            command = [sys.executable, str(ROOT / "experiments" / "warm_start.py"), name, "--from", args.source]
        print(" ".join(command), flush=True)
        (out / name).mkdir(parents=True, exist_ok=True)
        log = open(out / name / "train.log", "w")
        processes[name] = (subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log)
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline and any(p.poll() is None for p, _ in processes.values()):
        time.sleep(1)
    for name, (process, _) in processes.items():
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # each keeps its last completed epoch's checkpoint
            print(f"{name}: stopped by the clock", flush=True)
    for name, (process, log) in processes.items():
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        log.close()
        run = ROOT / "experiments" / name
        for file in RUN_FILES:
            if (run / file).exists():
                shutil.copy(run / file, out / name / Path(file).name)
        epochs = max(0, len((run / LOG).read_text().splitlines()) - 1) if (run / LOG).exists() else 0
        print(f"{name}: exit {code}; {epochs} epochs in its log; sent back: "
              f"{', '.join(sorted(p.name for p in (out / name).iterdir()))}", flush=True)


def collect(args) -> None:
    run = ROOT / "experiments" / args.run
    source = Path(args.files) / args.run
    missing = [n for n in RUN_FILES if not (source / Path(n).name).exists()]
    if missing:
        raise SystemExit(f"gpu.py: error: {source} lacks {', '.join(missing)} (did the run complete an epoch? see its train.log)")
    for name in RUN_FILES:
        (run / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / Path(name).name, run / name)
    print(f"{run.relative_to(ROOT)}: {', '.join(RUN_FILES)} updated: commit them")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("pack", help="here: pack the training pictures and wheels into .gpu/")
    t = verbs.add_parser("train", help="there: train the RUNs side by side for --seconds, files to $OUT/RUN; "
                         "other flags go to each resumed run's `kac train --resume`")
    t.add_argument("runs", nargs="+", metavar="RUN")
    t.add_argument("--seconds", type=float, required=True)
    t.add_argument("--from", dest="source", default="real-spread48", help="the run a new run starts warm from")
    c = verbs.add_parser("collect", help="here: copy a call's files (FILES/RUN/) into experiments/RUN")
    c.add_argument("run")
    c.add_argument("files", help="the folder the device tool put the call's files in (files_at)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.verb != "train":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra  # train: more `kac train` flags for a resumed run (--epochs, --batch-size)
    {"pack": pack, "train": train, "collect": collect}[args.verb](args)


if __name__ == "__main__":
    main()
