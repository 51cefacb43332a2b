"""Artist line-art pairs from SVG clip art: the colour picture and its own line art.

For vector art the line art is not a guess: it is the artist's dark strokes
and dark shapes. Each SVG is rendered twice with the same viewport, size
and crop (`../shared/DATA.md` in the project's history has the method):

- colour: as drawn, composited on white;
- lines: every stroke darker than `STROKE_INK` luminance and every
  near-black fill (`is_ink_fill`) painted black, every other opaque fill or stroke
  painted white (not removed: artists often draw a black shape and cover
  it with colour, and white keeps the covering), and blurred, filtered or
  translucent shapes and embedded bitmaps hidden. Gradients count by the
  average of their stops.

A pair is kept only when its line render is plausible (`PairFilter`); the
manifest says why each SVG was kept or rejected, with the figures.

The renderer is resvg (`resvg-py`, the `[svg]` extra): chosen by
measurement over CairoSVG (benchmarks/README.md): 2x faster, gradients
and masks right, and no system Cairo library needed. A `file.svg#id` name
renders only the element `id` (KTuberling's stickers live in one SVG).
"""

from __future__ import annotations

import copy
import csv
import gzip
import hashlib
import io
import multiprocessing
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np
from PIL import Image, ImageColor, ImageFilter

from keras_anime_cyclegan.utils.deps import require

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
STROKE_INK = 0.6  # strokes darker than this luminance are lines
FILL_INK = 0.25  # fills darker than this are ink (black shapes, solid shadows)...
FILL_INK_VALUE = 0.35  # ...if no channel is brighter than this: saturated blue (luminance 0.07) is colour
OPAQUE = 0.9  # paints with a lower effective opacity are hidden in the line render
MAX_SVG_BYTES = 20_000_000
SHAPES = {"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath"}
CONTAINERS = {"svg", "g", "a", "switch", "symbol", "use"}
MANIFEST_FIELDS = (
    "name", "source", "element", "author", "license", "status", "reason", "split",
    "ink_fraction", "ink_near_edges", "outline_inked", "coloured_fraction", "edges_with_line",
)


@dataclass(frozen=True)
class PairFilter:
    """What a plausible line render looks like (fractions of pixels)."""

    min_ink: float = 0.02  # of the square's pixels dark in the line render
    max_ink: float = 0.25
    min_ink_near_edges: float = 0.7  # of the ink within 3 px of an edge of the colour render
    min_outline_inked: float = 0.5  # of the figure's outer outline with ink within 3 px
    min_coloured: float = 0.15  # of the figure's pixels really coloured (not grey)
    min_edges_with_line: float = 0.5  # of the colour render's inner edges with ink within 3 px


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


class Rejected(Exception):
    """An SVG that gives no pair; the message is the manifest's reason."""


# === Style resolution ===


def _parse_style(text: Optional[str]) -> dict:
    out = {}
    for item in (text or "").split(";"):
        if ":" in item:
            k, v = item.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def _css_rules(root) -> dict:
    """Simple `<style>` rules: `.class`, `#id` and element selectors -> properties."""
    rules = {}
    for el in root.iter(f"{SVG}style"):
        text = re.sub(r"/\*.*?\*/", "", el.text or "", flags=re.S)
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
            props = _parse_style(body.replace("!important", ""))
            for sel in selectors.split(","):
                sel = sel.strip()
                if re.fullmatch(r"[.#]?[\w-]+", sel):
                    rules.setdefault(sel, {}).update(props)
    return rules


def _local(tag) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else (tag if isinstance(tag, str) else "")


PAINT_PROPS = ("fill", "stroke", "fill-opacity", "stroke-opacity", "color")
OWN_PROPS = ("opacity", "filter", "display", "visibility")


def _declared(el, rules) -> dict:
    """Properties declared on `el` by attributes, CSS rules and `style`, in cascade order."""
    props = {}
    for name in PAINT_PROPS + OWN_PROPS:
        if el.get(name) is not None:
            props[name] = el.get(name)
    for sel in [_local(el.tag)] + ["." + c for c in (el.get("class") or "").split()] + (
        ["#" + el.get("id")] if el.get("id") else []
    ):
        props.update(rules.get(sel, {}))
    props.update(_parse_style(el.get("style")))
    return props


def _colour(value: Optional[str], current: str, gradients: dict):
    """(r, g, b) in [0, 1], None for `none`, or a gradient's average stop colour."""
    if value is None:
        return None
    value = value.strip()
    if value in ("none", "transparent", ""):
        return None
    if value.startswith("url("):
        ref = re.match(r"url\(\s*['\"]?#([^)'\"]+)['\"]?\s*\)", value)
        fallback = value[value.find(")") + 1 :].strip()
        if ref and ref.group(1) in gradients:
            return gradients[ref.group(1)]
        return _colour(fallback, current, gradients) if fallback else None
    if value == "currentColor":
        value = current
    try:
        rgb = ImageColor.getrgb(value)
    except ValueError:
        m = re.fullmatch(r"rgb\(\s*([\d.]+)%\s*,\s*([\d.]+)%\s*,\s*([\d.]+)%\s*\)", value)
        if not m:
            return (0.0, 0.0, 0.0)  # unknown paint: the SVG default, black
        return tuple(float(c) / 100 for c in m.groups())
    return tuple(c / 255 for c in rgb[:3])


def _gradients(root) -> dict:
    """id -> average colour of its stops (following `href` for stops defined elsewhere)."""
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}

    def stops(el, depth=0):
        own = [s for s in el if _local(s.tag) == "stop"]
        href = el.get(XLINK_HREF) or el.get("href")
        if not own and href and href.startswith("#") and depth < 8 and href[1:] in by_id:
            return stops(by_id[href[1:]], depth + 1)
        return own

    out = {}
    for gid, el in by_id.items():
        if _local(el.tag) not in ("linearGradient", "radialGradient"):
            continue
        colours = []
        for s in stops(el):
            props = {**{k: s.get(k) for k in ("stop-color", "stop-opacity") if s.get(k)}, **_parse_style(s.get("style"))}
            c = _colour(props.get("stop-color", "black"), "black", {})
            if c is not None:
                colours.append(c)
        if colours:
            out[gid] = tuple(float(v) for v in np.mean(colours, axis=0))
    return out


def luminance(rgb) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def is_ink_fill(rgb) -> bool:
    """A near-black fill: dark and without a bright channel."""
    return luminance(rgb) < FILL_INK and max(rgb) < FILL_INK_VALUE


def _opacity(value, default=1.0) -> float:
    try:
        v = value.strip()
        return float(v[:-1]) / 100 if v.endswith("%") else float(v)
    except (AttributeError, ValueError):
        return default


def line_only(root) -> ET.Element:
    """A copy of the SVG tree painted as line art (black ink on white shapes)."""
    root = copy.deepcopy(root)
    rules = _css_rules(root)
    gradients = _gradients(root)
    inherited0 = {"fill": "black", "stroke": "none", "fill-opacity": "1", "stroke-opacity": "1", "color": "black"}

    def visit(el, inherited, opacity):
        tag = _local(el.tag)
        if tag in ("defs", "style", "metadata", "title", "desc", "clipPath", "mask", "pattern", "marker",
                   "linearGradient", "radialGradient", "filter", "script"):
            return
        declared = _declared(el, rules)
        state = {**inherited, **{k: declared[k] for k in PAINT_PROPS if k in declared}}
        own = _parse_style(el.get("style"))
        if tag in ("image", "foreignObject") or declared.get("filter", "none") not in ("none", ""):
            own["display"] = "none"
            el.set("style", _style_text(own))
            return
        if declared.get("display") == "none" or declared.get("visibility") == "hidden":
            return
        opacity = opacity * _opacity(declared.get("opacity"))
        if tag in SHAPES:
            fill = _colour(state["fill"], state["color"], gradients)
            stroke = _colour(state["stroke"], state["color"], gradients)
            if fill is not None and opacity * _opacity(state["fill-opacity"]) < OPAQUE:
                fill = None
            if stroke is not None and opacity * _opacity(state["stroke-opacity"]) < OPAQUE:
                stroke = None
            own.update({
                "fill": "none" if fill is None else ("#000000" if is_ink_fill(fill) else "#ffffff"),
                "stroke": "none" if stroke is None else ("#000000" if luminance(stroke) < STROKE_INK else "#ffffff"),
                "fill-opacity": "1", "stroke-opacity": "1", "opacity": "1",
            })
            if fill is None and stroke is None:
                own["display"] = "none"
            el.set("style", _style_text(own))
        elif "opacity" in declared:
            own["opacity"] = "1"  # translucency was folded into the shapes' decisions
            el.set("style", _style_text(own))
        for child in list(el):
            visit(child, state, opacity)

    visit(root, inherited0, 1.0)
    return root


def _style_text(props: dict) -> str:
    return ";".join(f"{k}:{v}" for k, v in props.items())


# === Reading and rendering ===


def _length(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    m = re.fullmatch(r"\s*([\d.eE+-]+)\s*(px|pt|mm|cm|in|pc)?\s*", value)
    if not m:
        return None
    try:
        number = float(m.group(1))
    except ValueError:
        return None
    scale = {"px": 1, None: 1, "pt": 4 / 3, "pc": 16, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96}[m.group(2)]
    return number * scale


def read_svg(path: Path, element: str = ""):
    """(root element, viewBox (x, y, w, h), author, licence), or raises `Rejected`."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise Rejected(f"unreadable ({e.strerror})") from e
    if size > MAX_SVG_BYTES:
        raise Rejected(f"huge ({size:,} bytes > {MAX_SVG_BYTES:,})")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":  # .svgz
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise Rejected(f"not a readable .svgz ({e})") from e
        if len(data) > MAX_SVG_BYTES:
            raise Rejected(f"huge ({len(data):,} bytes unpacked > {MAX_SVG_BYTES:,})")
    if b"<!ENTITY" in data:
        raise Rejected("declares XML entities (not rendered, for safety)")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise Rejected(f"not parseable XML ({e})") from e
    if _local(root.tag) != "svg":
        raise Rejected(f"root element is <{_local(root.tag)}>, not <svg>")
    for el in root.iter():
        ref = el.get(XLINK_HREF) or el.get("href")
        if ref and not ref.startswith(("#", "data:")):
            raise Rejected(f"external reference {ref[:60]!r}")
    view = root.get("viewBox")
    box = None
    if view:
        try:
            box = [float(v) for v in re.split(r"[\s,]+", view.strip())]
        except ValueError:
            box = None
    if not box or len(box) != 4:
        w, h = _length(root.get("width")), _length(root.get("height"))
        box = [0.0, 0.0, w, h] if w and h else None
    if not box or box[2] <= 0 or box[3] <= 0:
        raise Rejected("no usable viewBox or width/height")
    if element:
        root = only_element(root, element)
    return root, tuple(box), metadata_text(root, "creator"), licence_of(root)


def only_element(root, element_id: str):
    """The tree with everything drawable hidden except `element_id` (its ancestors and definitions stay)."""
    root = copy.deepcopy(root)
    parents = {child: parent for parent in root.iter() for child in parent}
    target = next((el for el in root.iter() if el.get("id") == element_id), None)
    if target is None:
        raise Rejected(f"no element with id {element_id!r}")
    keep = {target}
    node = target
    while node in parents:
        node = parents[node]
        keep.add(node)
    for el in list(root.iter()):
        if el in keep or _local(el.tag) in ("defs", "style", "metadata"):
            continue
        parent = parents.get(el)
        if parent in keep and parent is not target:
            props = _parse_style(el.get("style"))
            props["display"] = "none"
            el.set("style", _style_text(props))
    return root


def metadata_text(root, what: str) -> str:
    """The dc:`what` agent's title in the SVG's RDF metadata (openclipart stores the author there)."""
    dc = "{http://purl.org/dc/elements/1.1/}"
    for el in root.iter(f"{dc}{what}"):
        titles = [t.text.strip() for t in el.iter(f"{dc}title") if t.text and t.text.strip()]
        if titles:
            return titles[0]
        if el.text and el.text.strip():
            return el.text.strip()
    return ""


def licence_of(root) -> str:
    cc = "{http://web.resource.org/cc/}"
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    for el in root.iter():
        if _local(el.tag) == "license":
            ref = el.get(f"{rdf}resource") or el.get(f"{rdf}about")
            if ref:
                return ref
    for el in root.iter(f"{cc}License"):
        if el.get(f"{rdf}about"):
            return el.get(f"{rdf}about")
    return ""


def render(root, box, long_side: int) -> np.ndarray:
    """RGBA float32 [0, 1] of the tree at `long_side` pixels on its longer side, transparent background."""
    resvg = require("resvg_py", "svg", "rendering SVG clip art")
    root = copy.copy(root)
    x, y, w, h = box
    scale = long_side / max(w, h)
    root.set("viewBox", f"{x} {y} {w} {h}")
    root.set("width", str(max(1, round(w * scale))))
    root.set("height", str(max(1, round(h * scale))))
    text = ET.tostring(root, encoding="unicode")
    try:
        png = resvg.svg_to_bytes(svg_string=text, skip_system_fonts=False)
    except (ValueError, RuntimeError) as e:
        raise Rejected(f"renderer failed ({e})") from e
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"), np.float32) / 255.0


def _on_white(rgba: np.ndarray) -> np.ndarray:
    return rgba[..., :3] * rgba[..., 3:] + (1.0 - rgba[..., 3:])


def _square(rgb: np.ndarray, alpha: np.ndarray, bbox, size: int) -> tuple[np.ndarray, np.ndarray]:
    y0, y1, x0, x1 = bbox
    rgb, alpha = rgb[y0:y1, x0:x1], alpha[y0:y1, x0:x1]
    h, w = alpha.shape
    side = int(max(h, w) * 1.06) + 2  # a little white margin around the figure
    canvas = np.ones((side, side, 3), np.float32)
    mask = np.zeros((side, side), np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    canvas[top : top + h, left : left + w] = rgb
    mask[top : top + h, left : left + w] = alpha
    img = Image.fromarray(np.uint8(np.clip(canvas, 0, 1) * 255 + 0.5)).resize((size, size), Image.LANCZOS)
    m = Image.fromarray(np.uint8(mask * 255 + 0.5)).resize((size, size), Image.BILINEAR)
    return np.asarray(img), np.asarray(m, np.float32) / 255.0


def render_pair(path: Path, size: int = 256, element: str = ""):
    """(colour uint8 HxWx3, lines uint8 HxWx3, figure alpha, author, licence) of one SVG, or raises `Rejected`."""
    root, box, author, licence = read_svg(path, element)
    long_side = 2 * size
    colour = render(root, box, long_side)
    lines = render(line_only(root), box, long_side)
    alpha = np.maximum(colour[..., 3], lines[..., 3])
    ys, xs = np.nonzero(alpha > 0.02)
    if len(ys) == 0:
        raise Rejected("empty render")
    bbox = (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1)
    if min(bbox[1] - bbox[0], bbox[3] - bbox[2]) < 8:
        raise Rejected("figure under 8 px across")
    colour_sq, figure = _square(_on_white(colour), colour[..., 3], bbox, size)
    lines_sq, _ = _square(_on_white(lines), lines[..., 3], bbox, size)
    lines_sq = np.repeat(np.asarray(Image.fromarray(lines_sq).convert("L"))[..., None], 3, axis=-1)
    return colour_sq, lines_sq, figure, author, licence


# === The filter ===


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    img = Image.fromarray(np.uint8(mask) * 255).filter(ImageFilter.MaxFilter(2 * radius + 1))
    return np.asarray(img) > 0


def _edges(rgb: np.ndarray, threshold: float = 0.12) -> np.ndarray:
    x = rgb.astype(np.float32) / 255.0
    dy = np.abs(np.diff(x, axis=0, append=x[-1:])).max(-1)
    dx = np.abs(np.diff(x, axis=1, append=x[:, -1:])).max(-1)
    return np.maximum(dx, dy) > threshold


def pair_metrics(colour: np.ndarray, lines: np.ndarray, figure: np.ndarray) -> dict:
    """The filter's figures for one rendered pair (see `PairFilter`)."""
    ink = lines[..., 0] < 128
    fig = figure > 0.5
    edges = _edges(colour)
    outline = fig & ~np.asarray(Image.fromarray(np.uint8(fig) * 255).filter(ImageFilter.MinFilter(3)), bool)
    near_ink = _dilate(ink, 3)
    inner_edges = edges & ~_dilate(outline, 2) & fig
    x = colour.astype(np.float32) / 255.0
    chroma = x.max(-1) - x.min(-1)
    coloured = (chroma > 0.15) & fig & ~ink
    return {
        "ink_fraction": float(ink.mean()),
        "ink_near_edges": float((ink & _dilate(edges | outline, 3)).sum() / max(ink.sum(), 1)),
        "outline_inked": float((outline & near_ink).sum() / max(outline.sum(), 1)),
        "coloured_fraction": float(coloured.sum() / max(fig.sum(), 1)),
        "edges_with_line": float((inner_edges & near_ink).sum() / max(inner_edges.sum(), 1)),
    }


def judge(metrics: dict, rules: PairFilter = PairFilter()) -> str:
    """'' when the pair passes, else the first failed rule with its figure."""
    m, r = metrics, rules
    if not r.min_ink <= m["ink_fraction"] <= r.max_ink:
        return f"ink covers {m['ink_fraction']:.1%} of the picture (want {r.min_ink:.0%}-{r.max_ink:.0%})"
    if m["ink_near_edges"] < r.min_ink_near_edges:
        return f"only {m['ink_near_edges']:.0%} of the ink lies on colour edges (want {r.min_ink_near_edges:.0%})"
    if m["outline_inked"] < r.min_outline_inked:
        return f"only {m['outline_inked']:.0%} of the outline is inked (want {r.min_outline_inked:.0%})"
    if m["coloured_fraction"] < r.min_coloured:
        return f"only {m['coloured_fraction']:.0%} of the figure is coloured (want {r.min_coloured:.0%})"
    if m["edges_with_line"] < r.min_edges_with_line:
        return f"only {m['edges_with_line']:.0%} of the colour edges have a line (want {r.min_edges_with_line:.0%})"
    return ""


# === The command ===


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
        thumb = np.asarray(Image.fromarray(colour).convert("L").resize((16, 16), Image.BILINEAR), np.float32)
        return record, (colour, lines, thumb)
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
    size: int = 256,
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
                img = Image.open(d / "colors" / f"{row['name']}.png").convert("L").resize((16, 16), Image.BILINEAR)
                thumbs.append(np.asarray(img, np.float32))
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
        tmp = manifest.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=MANIFEST_FIELDS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(manifest)
        return rows

    try:
        for record, images in tqdm(results, total=len(jobs), desc="svg pairs", unit="svg", disable=not progress):
            record.license = record.license or default_license
            excluded = [x for x in exclude_licenses if x.lower() in record.license.lower()]
            if images is not None and excluded:
                record.status, record.reason, images = "rejected", f"licence {record.license} excluded", None
            if images is not None:
                colour, lines, thumb = images
                if any(np.abs(thumb - t).mean() < duplicate_distance for t in thumbs):
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
