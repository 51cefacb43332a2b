"""`kac colorize` and `kac extract-lines`: translate files and folders of pictures."""

from __future__ import annotations

import sys
from pathlib import Path

from keras_anime_cyclegan import config as C

COMMANDS = {
    "colorize": ("colorize", "colour line-art sketches with G"),
    "extract-lines": ("lines", "extract line art from colour pictures with F"),
}


def add_parser(sub):
    for name, (direction, help_text) in COMMANDS.items():
        p = sub.add_parser(
            name,
            help=help_text,
            description=f"{help_text[0].upper()}{help_text[1:]}. Outputs are PNGs of the inputs' sizes, "
            "alpha kept, under OUTDIR with the inputs' relative paths.",
        )
        p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders (searched recursively)")
        p.add_argument(
            "-m",
            "--model",
            default="pretrained",
            help="run folder, .keras file, SavedModel folder, .tflite file, TF.js folder, or pretrained[:NAME] "
            "(default: pretrained, the model the package ships)",
        )
        p.add_argument("-o", "--out", required=True, metavar="OUTDIR", help="folder for the output PNGs")
        side = (
            f"the model sees longer sides downscaled to this (default {C.COLOUR_SIDE}; 0: the whole picture); "
            "flat colours are painted at the picture's own size"
            if direction == "colorize"
            else "downscale longer sides to this, upscale the result back (default: the whole picture)"
        )
        p.add_argument("--max-side", type=int, help=side)
        p.add_argument("--tile-size", type=int, help=f"tile side for large pictures (default {C.TILE_SIZE})")
        p.add_argument("--tile-overlap", type=int, help=f"pixels neighbouring tiles share (default {C.TILE_OVERLAP})")
        p.add_argument(
            "--max-pixels", type=int, help=f"most pixels per model call; larger pictures are tiled (default {C.PIXELS_PER_CALL})"
        )
        p.add_argument("--batch-size", type=int, help=f"pictures per model call (default {C.INFERENCE_BATCH})")
        if direction == "colorize":
            p.add_argument(
                "--hints",
                metavar="FILE",
                help="colour hints: a JSON file ([[x, y, \"#rrggbb\"], ...] for every page, or "
                '{"hints": [...], "pages": {"page1.png": [...]}}; x, y in pixels, or fractions when '
                "written with a decimal point) or an RGBA PNG layer the size of the pictures (opaque pixels are hints)",
            )
            p.add_argument(
                "--reference",
                action="append",
                metavar="PICTURE",
                help="a coloured picture of the character(s) the sketches show; each region takes its colour "
                "there (repeat for several characters; a page's own \"reference\" in the --hints file wins; "
                "hints win over it)",
            )
            p.add_argument(
                "--reference-lines",
                action="append",
                metavar="PICTURE",
                help="the artist's line art of each --reference (same order and size), when there is one",
            )
            p.add_argument(
                "--no-flat",
                dest="flat",
                action="store_false",
                help="G's own colours; by default each region the lines enclose gets one flat colour "
                "and the sketch's lines are multiplied over it",
            )
            p.add_argument(
                "--layers",
                nargs="?",
                const="ora",
                choices=("ora", "psd"),
                help="also write the layers a colourist keeps: NAME.flats.png, NAME.lines.png (lines on "
                "transparency, multiply), NAME.shading.png (G's shading over the flats, multiply) and one "
                "layered file, NAME.ora (default; Krita, GIMP, MyPaint) or NAME.psd",
            )
            p.add_argument(
                "--confidence",
                action="store_true",
                help="also write NAME.confidence.png (white where F gives the sketch back, darker where not) "
                "and confidence.csv (one score per picture, 0-1); with --reference, NAME.match.png too "
                "(each region's match confidence: white where the reference explains it, black where G's colour is used)",
            )
        else:
            p.add_argument(
                "--no-fill-dark",
                dest="fill_dark",
                action="store_false",
                help="dark areas (black hair, a dark coat) as their outlines, paper inside, instead of "
                "filled as F draws them",
            )
        p.set_defaults(run=run, direction=direction)


def find_images(inputs: list[str]) -> list[tuple[Path, Path]]:
    """(input file, output path relative to OUTDIR) for every picture named
    or found (recursively, as training finds them) in a named folder."""
    from keras_anime_cyclegan.data.decode import find_images as images_in

    found = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += [(f, f.relative_to(item).with_suffix(".png")) for f in images_in(item)]
        else:
            found.append((item, Path(item.name).with_suffix(".png")))
    return found


def run(args):
    from tqdm import tqdm

    from keras_anime_cyclegan.inference import Colorizer, LineExtractor

    cls = Colorizer if args.direction == "colorize" else LineExtractor
    options = {"flat": args.flat} if args.direction == "colorize" else {"fill_dark": args.fill_dark}
    # Only what the user gave: the library's defaults are the defaults.
    for name in ("max_side", "max_pixels", "tile_size", "tile_overlap", "batch_size"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if options.get("max_side") == 0:
        options["max_side"] = None
    translator = cls.load(args.model, **options)
    jobs = find_images(args.inputs)
    if not jobs:
        raise ValueError(f"no images found in {' '.join(args.inputs)}")
    out_dir = Path(args.out)
    hints = getattr(args, "hints", None)
    confidence = getattr(args, "confidence", False)
    inputs = [src for src, _ in jobs]
    if hints is not None:
        inputs = _with_hints(inputs, hints)
    if args.direction == "colorize":
        results = translator.colorize_many(
            inputs, return_exceptions=True, return_confidence=confidence, layers=bool(args.layers),
            reference=args.reference, reference_lines=args.reference_lines,
        )
    else:
        results = translator.translate_many(inputs, return_exceptions=True)
    failed, scores = 0, []
    with tqdm(total=len(jobs), unit="image", desc=args.command, file=sys.stderr) as bar:
        for (src, rel), result in zip(jobs, results):
            bar.update()
            if isinstance(result, Exception):
                failed += 1
                bar.write(f"{src}: skipped: {result}", file=sys.stderr)
                continue
            dest = out_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            result.save(dest)
            layers = getattr(result, "image", result) if confidence else result
            if getattr(args, "layers", None):
                layers.save(dest.with_suffix("." + args.layers))
            if confidence:
                result.confidence_map.save(dest.with_suffix(".confidence.png"))
                if result.match_confidence is not None:
                    result.match_confidence.save(dest.with_suffix(".match.png"))
                scores.append((rel.as_posix(), result.confidence))
    if scores:
        with open(out_dir / "confidence.csv", "w") as f:
            f.write("picture,confidence\n" + "".join(f"{name},{score:.4f}\n" for name, score in scores))
    print(f"wrote {len(jobs) - failed} of {len(jobs)} images to {out_dir}" + (f"; {failed} failed" if failed else ""))
    return 1 if failed else 0


def _with_hints(inputs: list[Path], hints: str) -> list:
    """Each input as `Hinted` with its hints (and its own references) from a JSON file, or one RGBA layer."""
    from keras_anime_cyclegan.inference.hints import hints_for_page, read_hint_file, read_reference_table
    from keras_anime_cyclegan.inference.translator import Hinted

    path = Path(hints)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such hint file")
    if path.suffix.lower() != ".json":
        return [Hinted(src, path, str(path)) for src in inputs]
    table = read_hint_file(path)
    references = read_reference_table(path)
    unknown = sorted(set(table) - {None} - {src.name for src in inputs})
    if unknown:
        raise ValueError(f"{path}: pages {', '.join(unknown)} are not among the inputs")
    return [
        Hinted(
            src, hints_for_page(table, src), f"{path}" + (f" (page {src.name})" if src.name in table else ""),
            reference=references.get(src.name, references.get(None)),
        )
        for src in inputs
    ]
