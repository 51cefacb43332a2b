"""Colour pictures without line art: the SVGs a pair set rejected only for their lines.

`svg_pairs` keeps an SVG only when its dark strokes are exact line art, so
most of a clip-art collection never reaches training. Those pictures are
still good colour pictures, and a generator's sense of colour grows with
how many it sees; their sketches are synthesised from the colour picture
(`sketch.random_sketch`), so the paired loss keeps a target. `svg_colours`
reads a pair set's manifest, takes the SVGs rejected for a line-art rule
only (ink amount, ink off the colour edges, outline or colour edges not
inked) whose figure is coloured, never one by an author of the pair set's
held-out split or under an excluded licence, renders each in colour (same
crop and square as the pairs) and drops near-duplicates of the kept pairs
and of each other. Writes OUT/colors/NAME.png and OUT/manifest.csv.
"""

from __future__ import annotations

import csv
import multiprocessing
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
from PIL import Image

from keras_anime_cyclegan.data.pair_filter import PairFilter
from keras_anime_cyclegan.data.svg_pairs import near_duplicate, thumbnail, write_manifest
from keras_anime_cyclegan.data.svg_render import Rejected, render_pair

LINE_RULES = ("ink covers", "of the ink lies on colour edges", "of the outline is inked", "of the colour edges have a line")
FIELDS = ("name", "source", "element", "author", "license", "status", "reason")


def candidates(rows: list[dict], rules: PairFilter = PairFilter(), exclude_licenses: Sequence[str] = ()) -> tuple[list, list]:
    """(chosen rows, rows left out with their reason) of a pair set's manifest rows."""
    held = {r["author"] for r in rows if r.get("split") == "heldout" and r["author"]}
    chosen, left = [], []
    for r in rows:
        if r["status"] != "rejected" or not any(rule in r["reason"] for rule in LINE_RULES):
            continue
        coloured = float(r.get("coloured_fraction") or 0)
        if coloured < rules.min_coloured:
            left.append((r, f"only {coloured:.0%} of the figure is coloured"))
        elif r["author"] in held:
            left.append((r, "an author of the held-out split"))
        elif any(x.lower() in r["license"].lower() for x in exclude_licenses):
            left.append((r, f"licence {r['license']} excluded"))
        else:
            chosen.append(r)
    return chosen, left


def _render(job):
    source, element, size = job
    try:
        colour = render_pair(Path(source), size, element)[0]
    except Rejected as e:
        return None, str(e)
    except Exception as e:  # noqa: BLE001  (one malformed SVG must not stop the pass)
        return None, f"failed ({type(e).__name__}: {str(e)[:120]})"
    return colour, ""


def svg_colours(
    pairs_dir: str | Path,
    out_dir: str | Path,
    size: Optional[int] = None,
    exclude_licenses: Sequence[str] = (),
    duplicate_distance: float = 6.0,
    workers: Optional[int] = None,
    progress: bool = True,
) -> dict:
    """Renders the colour pictures `pairs_dir`'s manifest rejected for their lines only into `out_dir`.

    Args:
        pairs_dir: a folder `kac data svg-pairs` wrote (its manifest.csv and colors/).
        out_dir: where colors/NAME.png and manifest.csv go; pictures already there are kept.
        size: side of the square pictures (default: the pairs' own).
        exclude_licenses: leave out SVGs whose licence contains one of these (case-insensitive).
        duplicate_distance: 16x16 grey thumbnails closer than this per pixel (of 255) to a kept
            pair or an earlier picture are near-duplicates, left out.

    Returns:
        {status: count} over the candidates ("kept", "rejected").
    """
    from tqdm import tqdm

    pairs_dir, out_dir = Path(pairs_dir), Path(out_dir)
    manifest = pairs_dir / "manifest.csv"
    if not manifest.exists():
        raise FileNotFoundError(f"{manifest}: no such file (make the pair set first: kac data svg-pairs)")
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    chosen, left = candidates(rows, exclude_licenses=exclude_licenses)
    kept_pairs = sorted((pairs_dir / "colors").glob("*.png"))
    if size is None:
        size = Image.open(kept_pairs[0]).size[0] if kept_pairs else 256
    thumbs = [thumbnail(np.asarray(Image.open(p).convert("RGB"))) for p in kept_pairs]
    (out_dir / "colors").mkdir(parents=True, exist_ok=True)
    records = [{**r, "status": "rejected", "reason": why} for r, why in left]
    jobs = [(r["source"], r["element"], size) for r in chosen]
    workers = workers or max(1, min(len(jobs), multiprocessing.cpu_count()))
    pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 1 and len(jobs) > 1 else None
    results = pool.imap(_render, jobs, chunksize=4) if pool else map(_render, jobs)
    try:
        for r, (colour, why) in tqdm(zip(chosen, results), total=len(jobs), desc="svg colours", unit="svg", disable=not progress):
            path = out_dir / "colors" / f"{r['name']}.png"
            if colour is not None:
                thumb = thumbnail(colour)
                if near_duplicate(thumb, thumbs, duplicate_distance):
                    colour, why = None, "near-duplicate of a kept picture"
                else:
                    thumbs.append(thumb)
                    if not path.exists():
                        Image.fromarray(colour).save(path, optimize=True)
            records.append({**r, "status": "kept" if colour is not None else "rejected", "reason": why})
    finally:
        if pool:
            pool.close()
            pool.join()
        write_manifest(out_dir / "manifest.csv", records, FIELDS)
    counts = {}
    for rec in records:
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
    return counts
