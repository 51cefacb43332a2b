"""Artist line-art pairs from SVG clip art: the colour picture and its own line art.

For vector art the line art is not a guess: it is the artist's dark strokes
and dark shapes (`data.svg_lines`). `svg_pairs` renders each SVG twice with
the same viewport, size and crop (`data.svg_render`), keeps the plausible
pairs (`data.pair_filter`), splits them into training and held-out sets by
author, and writes a manifest that says why each SVG was kept or rejected,
with the figures. The method and its measurements: docs/training.md,
"Train on real art".
"""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np
from PIL import Image

from keras_anime_cyclegan.config import PAIR_SIZE
from keras_anime_cyclegan.data.pair_filter import PairFilter, judge, pair_metrics
from keras_anime_cyclegan.data.svg_render import Rejected, render_pair

MANIFEST_FIELDS = (
    "name", "source", "element", "author", "license", "status", "reason", "split",
    "ink_fraction", "ink_near_edges", "outline_inked", "coloured_fraction", "edges_with_line",
)


@dataclass
class PairRecord:
    name: str
    source: str
    element: str = ""
    author: str = ""
    license: str = ""
    status: str = "rejected"
    reason: str = ""
    split: str = ""
    metrics: dict = field(default_factory=dict)

    def row(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "metrics"}
        out.update({k: "" if v is None else f"{v:.4f}" for k, v in self.metrics.items()})
        return out


def pair_name(source: str, root: Path, element: str = "") -> str:
    """A flat file name for `source` under `root` (`animals/cat_01.svg#head` -> `animals__cat_01__head`)."""
    rel = Path(source).relative_to(root).with_suffix("").as_posix()
    name = re.sub(r"[^\w.-]+", "_", rel.replace("/", "__"))
    return name + "__" + re.sub(r"[^\w.-]+", "_", element) if element else name


def _author_key(author: str) -> str:
    return hashlib.sha1(author.strip().lower().encode()).hexdigest()


def held_out_authors(authors: list[str], fraction: float) -> set[str]:
    """Authors whose pairs form the held-out split: whole authors, about `fraction` of the pairs.

    Authors are taken in the order of a hash of their name (stable, and
    unrelated to style or subject) while they fit within `fraction` of all
    pairs; an author too prolific to fit is skipped, so one artist cannot
    take the split over. Pairs without an author always stay in training.
    """
    counts = {}
    for a in authors:
        if a and a.strip():
            counts[a] = counts.get(a, 0) + 1
    budget, chosen, used = fraction * len(authors), set(), 0
    for author in sorted(counts, key=_author_key):
        if used + counts[author] <= budget:
            chosen.add(author)
            used += counts[author]
    return chosen


def thumbnail(image: np.ndarray) -> np.ndarray:
    """The 16x16 grey float32 thumbnail near-duplicates are found by."""
    return np.asarray(Image.fromarray(image).convert("L").resize((16, 16), Image.BILINEAR), np.float32)


def near_duplicate(thumb: np.ndarray, thumbs: list, distance: float) -> bool:
    """Whether `thumb` is closer than `distance` per pixel (of 255) to one of `thumbs`."""
    return any(np.abs(thumb - t).mean() < distance for t in thumbs)


def write_manifest(path: Path, rows: list[dict], fields: Sequence[str]) -> None:
    """`rows` as CSV at `path`, written beside it first and moved over it (a crash leaves the old one)."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def _work(job):
    source, element, name, size, rules = job
    record = PairRecord(name=name, source=source, element=element)
    try:
        colour, lines, figure, record.author, record.license = render_pair(Path(source), size, element)
        record.metrics = pair_metrics(colour, lines, figure)
        record.reason = judge(record.metrics, rules)
        if record.reason:
            return record, None
        record.status = "kept"
        return record, (colour, lines, thumbnail(colour))
    except Rejected as e:
        record.reason = str(e)
    except Exception as e:  # noqa: BLE001  (a malformed SVG must not stop a 8,000-file pass)
        record.reason = f"failed ({type(e).__name__}: {str(e)[:120]})"
    return record, None


def theme_elements(theme: Path) -> list[tuple[str, str]]:
    """(SVG file, element id) of every sticker a KTuberling `.theme` file names."""
    try:
        root = ET.parse(theme).getroot()
    except (ET.ParseError, OSError) as e:
        raise ValueError(f"{theme}: not a readable KTuberling theme ({e})") from e
    board = theme.parent / (root.get("gameboard") or "")
    if not board.is_file():
        raise FileNotFoundError(f"{theme}: its gameboard {board.name!r} is missing")
    return [(str(board), el.get("name")) for el in root.iter("object") if el.get("name")]


def find_svgs(inputs: Iterable[str | Path]) -> list[tuple[str, str, Path]]:
    """(file, element id, root folder) for each SVG under the inputs.

    Folders are searched for `.svg` and `.svgz`; `file.svg#id` picks one
    element; a KTuberling `.theme` file gives one entry per sticker.
    """
    found = []
    for item in inputs:
        text = str(item)
        path, _, element = text.partition("#")
        p = Path(path)
        if p.is_dir():
            found += [(str(f), "", p) for f in sorted(f for f in p.rglob("*") if f.suffix.lower() in (".svg", ".svgz"))]
        elif p.is_file() and p.suffix == ".theme":
            found += [(board, name, p.parent) for board, name in theme_elements(p)]
        elif p.is_file():
            found.append((str(p), element, p.parent))
        else:
            raise FileNotFoundError(f"{path}: no such SVG file or folder")
    return found


def svg_pairs(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    size: int = PAIR_SIZE,
    holdout_fraction: float = 0.0,
    heldout_dir: str | Path | None = None,
    default_license: str = "",
    workers: Optional[int] = None,
    rules: PairFilter = PairFilter(),
    duplicate_distance: float = 6.0,
    progress: bool = True,
    exclude_licenses: Sequence[str] = (),
) -> list[PairRecord]:
    """Renders (line art, colour) pairs from every SVG under `inputs` into `out_dir`.

    Writes `colors/<name>.png`, `lines/<name>.png` and `manifest.csv` (one
    row per SVG: source, element, author, licence, kept or rejected and
    why, the filter's figures). Whole authors chosen by a stable hash
    (`holdout_fraction` of them) go to `heldout_dir` (default
    `<out_dir>-heldout`) instead. Pairs already in the manifest are not
    rendered again. Near-duplicates (16x16 grey thumbnails closer than
    `duplicate_distance` per pixel, out of 255) of a kept pair are rejected,
    and so are SVGs whose licence contains one of `exclude_licenses`
    (case-insensitive; e.g. "GPL" to keep weights trained on the pairs free
    of copyleft terms).

    Returns:
        One `PairRecord` per SVG, this run's and earlier runs'.
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    heldout_dir = Path(heldout_dir) if heldout_dir else out_dir.with_name(out_dir.name + "-heldout")
    manifest = out_dir / "manifest.csv"
    done = {}
    if manifest.exists():
        with open(manifest, newline="") as f:
            for row in csv.DictReader(f):
                done[(row["source"], row["element"])] = row
    jobs, records = [], []
    for source, element, root in find_svgs(inputs):
        if (source, element) in done:
            continue
        jobs.append((source, element, pair_name(source, root, element), size, rules))
    thumbs = []
    for row in done.values():
        if row["status"] == "kept":
            d = heldout_dir if row["split"] == "heldout" else out_dir
            try:
                thumbs.append(thumbnail(np.asarray(Image.open(d / "colors" / f"{row['name']}.png").convert("RGB"))))
            except OSError:
                pass
    for d in (out_dir, heldout_dir):
        (d / "colors").mkdir(parents=True, exist_ok=True)
        (d / "lines").mkdir(parents=True, exist_ok=True)
    workers = workers or max(1, min(len(jobs), multiprocessing.cpu_count()))
    pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 1 and len(jobs) > 1 else None
    results = pool.imap(_work, jobs, chunksize=4) if pool else map(_work, jobs)
    def save_manifest(split: bool = False):
        rows = list(done.values()) + [r.row() for r in records]
        if split:
            _split(rows, holdout_fraction, out_dir, heldout_dir)
        write_manifest(manifest, rows, MANIFEST_FIELDS)
        return rows

    try:
        for record, images in tqdm(results, total=len(jobs), desc="svg pairs", unit="svg", disable=not progress):
            record.license = record.license or default_license
            excluded = [x for x in exclude_licenses if x.lower() in record.license.lower()]
            if images is not None and excluded:
                record.status, record.reason, images = "rejected", f"licence {record.license} excluded", None
            if images is not None:
                colour, lines, thumb = images
                if near_duplicate(thumb, thumbs, duplicate_distance):
                    record.status, record.reason = "rejected", "near-duplicate of a kept pair"
                else:
                    thumbs.append(thumb)
                    record.split = "train"  # until the split at the end
                    Image.fromarray(colour).save(out_dir / "colors" / f"{record.name}.png", optimize=True)
                    Image.fromarray(lines).convert("L").save(out_dir / "lines" / f"{record.name}.png", optimize=True)
            records.append(record)
            if len(records) % 200 == 0:
                save_manifest()  # a killed run loses at most 200 renders
    finally:
        if pool:
            pool.close()
            pool.join()
        rows = save_manifest(split=True)
    return [PairRecord(**{k: row.get(k, "") for k in ("name", "source", "element", "author", "license", "status", "reason", "split")})
            for row in rows]


def _split(rows: list[dict], fraction: float, out_dir: Path, heldout_dir: Path) -> None:
    """Sets each kept row's split (`held_out_authors`) and moves its files to match."""
    kept = [r for r in rows if r["status"] == "kept"]
    chosen = held_out_authors([r["author"] for r in kept], fraction) if fraction > 0 else set()
    for r in kept:
        split = "heldout" if r["author"] in chosen else "train"
        if split != r.get("split"):
            src, dst = (out_dir, heldout_dir) if split == "heldout" else (heldout_dir, out_dir)
            for sub in ("colors", "lines"):
                f = src / sub / f"{r['name']}.png"
                if f.exists():
                    f.replace(dst / sub / f.name)
        r["split"] = split
