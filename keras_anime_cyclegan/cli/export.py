"""`kac export`: every export format at once, each checked against Keras."""

from __future__ import annotations

import sys
from pathlib import Path

from keras_anime_cyclegan.artifacts.layout import COLORIZE, DIRECTIONS
from keras_anime_cyclegan.config import EXPORT_SIZE

PARITY_IMAGES = 4


def add_parser(sub):
    p = sub.add_parser(
        "export",
        help="export a generator (SavedModel, TFLite, TF.js), each with metadata.json",
        description="Export the colorize (G) or lines (F) generator of a run folder, a .keras file or a "
        "shipped model. "
        "Each format goes into its own folder under --out with metadata.json; then every file Python "
        "can run is compared with the Keras model and timed, and a table is printed.",
    )
    p.add_argument(
        "--model",
        default="pretrained",
        help="run folder (config.json + checkpoints), generator .keras file, or pretrained[:NAME] "
        "(default: pretrained, the model the package ships)",
    )
    p.add_argument("--direction", default=COLORIZE, choices=list(DIRECTIONS))
    p.add_argument(
        "--formats",
        nargs="+",
        default=["all"],
        metavar="FORMAT",
        help='"all" (the default), or format names separated by commas or spaces, such as '
        "tflite_int8,tfjs_float16 (a wrong name lists them all)",
    )
    p.add_argument(
        "--size", type=int, default=EXPORT_SIZE, help=f"input height and width of the fixed-size TFLite files (default {EXPORT_SIZE})"
    )
    p.add_argument("--out", required=True, help="folder that receives one sub-folder per format")
    p.add_argument("--no-check", action="store_true", help="skip the parity and latency checks")
    p.set_defaults(run=run)


def _chosen(formats: list[str], known) -> list[str]:
    """The formats named in `--formats a,b` or `--formats a b` (or both), in order, once each."""
    from keras_anime_cyclegan.cli import CLIError

    names = list(dict.fromkeys(n.strip() for item in formats for n in item.split(",") if n.strip()))
    if names == ["all"]:
        return list(known)
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise CLIError(
            f"unknown format(s) {', '.join(unknown) or repr(' '.join(formats))}; choose from all, {', '.join(known)}"
        )
    return names


def _human(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def run(args):
    from keras_anime_cyclegan.export import FORMATS, export_all
    from keras_anime_cyclegan.export.tflite import representative_images
    from keras_anime_cyclegan.artifacts.generators import load_generator
    from keras_anime_cyclegan.utils.images import to_float

    names = _chosen(args.formats, FORMATS)
    loaded = load_generator(args.model, args.direction)
    if args.size % loaded.multiple or args.size < 2 * loaded.multiple:
        raise ValueError(f"--size {args.size} must be a multiple of {loaded.multiple} and at least {2 * loaded.multiple}")
    images = None if args.no_check else to_float(representative_images(args.direction, PARITY_IMAGES, args.size, seed=99))
    results = export_all(
        loaded, Path(args.out), names, args.size, images, progress=lambda m: print(m, file=sys.stderr, flush=True)
    )
    rows = []
    for r in results:
        if r.parity:
            parity = f"max {r.parity['max_abs_error']:.2g}, {r.parity['psnr_db']:.1f} dB"
        else:
            parity = "" if args.no_check or r.latency_ms is not None else "not runnable in Python"
        latency = "" if r.latency_ms is None else f"{r.latency_ms:.1f}"
        rows.append((r.name, str(r.path), _human(r.bytes) if r.bytes else "", parity, latency))
    header = ("format", "file", "size", "parity vs Keras", f"ms @{args.size}")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0
