"""Reading SVG files and rendering them: the colour picture and its line art,
on the same viewport, size and square crop.

The renderer is resvg (`resvg-py`, the `[svg]` extra): chosen by
measurement over CairoSVG (benchmarks/README.md): 2x faster, gradients and
masks right, and no system Cairo library needed. A `file.svg#id` name
renders only the element `id` (KTuberling's stickers live in one SVG).
"""

from __future__ import annotations

import copy
import gzip
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image

from keras_anime_cyclegan.config import PAIR_SIZE
from keras_anime_cyclegan.data.svg_lines import XLINK_HREF, line_only, local_name, parse_style, style_text
from keras_anime_cyclegan.utils.deps import require

MAX_SVG_BYTES = 20_000_000


class Rejected(Exception):
    """An SVG that gives no pair; the message is the manifest's reason."""


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
    if local_name(root.tag) != "svg":
        raise Rejected(f"root element is <{local_name(root.tag)}>, not <svg>")
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
        if el in keep or local_name(el.tag) in ("defs", "style", "metadata"):
            continue
        parent = parents.get(el)
        if parent in keep and parent is not target:
            props = parse_style(el.get("style"))
            props["display"] = "none"
            el.set("style", style_text(props))
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
        if local_name(el.tag) == "license":
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


def render_pair(path: Path, size: int = PAIR_SIZE, element: str = ""):
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
