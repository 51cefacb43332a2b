"""`kac data svg-pairs`: artist (line art, colour) pairs from SVG clip art; `kac data svg-colours`:
the colour pictures a pair set rejected for their lines."""

from __future__ import annotations

from collections import Counter

from keras_anime_cyclegan.config import PAIR_SIZE


def add_parser(sub):
    p = sub.add_parser("data", help="prepare training data", description="Prepare training data.")
    data_sub = p.add_subparsers(dest="data_command", required=True, metavar="WHAT")
    s = data_sub.add_parser(
        "svg-pairs",
        help="render (line art, colour) pairs from SVG clip art",
        description="Render every SVG under --input (recursively; FILE.svg#ID renders one element) twice: "
        "in colour and as the artist's own line art, aligned, cropped to the figure, square on white. "
        "Writes OUT/colors/NAME.png, OUT/lines/NAME.png and OUT/manifest.csv (every SVG, kept or "
        "rejected and why). Re-runs skip SVGs already in the manifest.",
    )
    s.add_argument("--input", nargs="+", required=True, help="SVG files or folders")
    s.add_argument("--out", required=True, help="output folder")
    s.add_argument("--size", type=int, default=PAIR_SIZE, help=f"side of the square pictures (default {PAIR_SIZE})")
    s.add_argument(
        "--holdout-authors",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="hold out whole authors, about this fraction of the pairs (authors taken in the order of a "
        "hash of their name; one too prolific to fit stays in training), for benchmarks/quality.py (default 0)",
    )
    s.add_argument("--heldout-out", help="folder for the held-out pairs (default: OUT-heldout)")
    s.add_argument("--license", default="", help="licence to record where an SVG names none (e.g. the package's)")
    s.add_argument(
        "--exclude-license",
        action="append",
        default=[],
        metavar="TEXT",
        help="reject SVGs whose licence contains TEXT (case-insensitive; repeatable), e.g. GPL",
    )
    s.add_argument("--workers", type=int, help="processes (default: one per CPU core)")
    s.set_defaults(run=run)

    c = data_sub.add_parser(
        "svg-colours",
        help="render the colour pictures a pair set rejected for their lines",
        description="Read PAIRS/manifest.csv (from kac data svg-pairs) and render, in colour only, every SVG "
        "rejected for a line-art rule alone whose figure is coloured, leaving out authors of the held-out "
        "split, excluded licences and near-duplicates. Writes OUT/colors/NAME.png and OUT/manifest.csv, "
        "for training G with synthesised sketches (kac train --paired --unlined-colors OUT/colors).",
    )
    c.add_argument("--pairs", required=True, help="the pair set's folder (its manifest.csv and colors/)")
    c.add_argument("--out", required=True, help="output folder")
    c.add_argument("--exclude-license", action="append", default=[], metavar="TEXT",
                   help="leave out SVGs whose licence contains TEXT (case-insensitive; repeatable), e.g. GPL")
    c.add_argument("--workers", type=int, help="processes (default: one per CPU core)")
    c.set_defaults(run=run_colours)


def run_colours(args):
    from keras_anime_cyclegan.data.svg_colours import svg_colours

    counts = svg_colours(args.pairs, args.out, exclude_licenses=args.exclude_license, workers=args.workers)
    print(f"{counts.get('kept', 0)} colour pictures kept, {counts.get('rejected', 0)} left out; "
          f"see {args.out}/manifest.csv")
    return 0


def run(args):
    from keras_anime_cyclegan.data.svg_pairs import svg_pairs

    if args.size < 16:
        raise ValueError(f"size must be at least 16; got {args.size}")
    if not 0 <= args.holdout_authors < 1:
        raise ValueError(f"the held-out fraction must be in [0, 1); got {args.holdout_authors}")
    records = svg_pairs(
        args.input, args.out, size=args.size, holdout_fraction=args.holdout_authors,
        heldout_dir=args.heldout_out, default_license=args.license, workers=args.workers,
        exclude_licenses=args.exclude_license,
    )
    status = Counter((r.status, r.split) for r in records)
    kept = status[("kept", "train")] + status[("kept", "heldout")]
    print(f"{len(records)} SVGs: {kept} pairs kept ({status[('kept', 'train')]} train, "
          f"{status[('kept', 'heldout')]} held out), {len(records) - kept} rejected; see {args.out}/manifest.csv")
    return 0
