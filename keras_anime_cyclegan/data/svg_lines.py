"""Which parts of an SVG are the artist's line art: the rules of the line render.

Every stroke darker than `STROKE_INK` luminance and every near-black fill
(`is_ink_fill`) is ink, painted black; every other opaque fill or stroke is
painted white (not removed: artists often draw a black shape and cover it
with colour, and white keeps the covering); blurred, filtered or
translucent shapes and embedded bitmaps are hidden. Gradients count by the
average of their stops. Styles are resolved as a renderer would: CSS rules,
`style` attributes, presentation attributes, inheritance.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from typing import Optional

import numpy as np
from PIL import ImageColor

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
STROKE_INK = 0.6  # strokes darker than this luminance are lines
FILL_INK = 0.25  # fills darker than this are ink (black shapes, solid shadows)...
FILL_INK_VALUE = 0.35  # ...if no channel is brighter than this: saturated blue (luminance 0.07) is colour
OPAQUE = 0.9  # paints with a lower effective opacity are hidden in the line render
SHAPES = {"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath"}
CONTAINERS = {"svg", "g", "a", "switch", "symbol", "use"}

def parse_style(text: Optional[str]) -> dict:
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
            props = parse_style(body.replace("!important", ""))
            for sel in selectors.split(","):
                sel = sel.strip()
                if re.fullmatch(r"[.#]?[\w-]+", sel):
                    rules.setdefault(sel, {}).update(props)
    return rules


def local_name(tag) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else (tag if isinstance(tag, str) else "")


PAINT_PROPS = ("fill", "stroke", "fill-opacity", "stroke-opacity", "color")
OWN_PROPS = ("opacity", "filter", "display", "visibility")


def _declared(el, rules) -> dict:
    """Properties declared on `el` by attributes, CSS rules and `style`, in cascade order."""
    props = {}
    for name in PAINT_PROPS + OWN_PROPS:
        if el.get(name) is not None:
            props[name] = el.get(name)
    for sel in [local_name(el.tag)] + ["." + c for c in (el.get("class") or "").split()] + (
        ["#" + el.get("id")] if el.get("id") else []
    ):
        props.update(rules.get(sel, {}))
    props.update(parse_style(el.get("style")))
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
        own = [s for s in el if local_name(s.tag) == "stop"]
        href = el.get(XLINK_HREF) or el.get("href")
        if not own and href and href.startswith("#") and depth < 8 and href[1:] in by_id:
            return stops(by_id[href[1:]], depth + 1)
        return own

    out = {}
    for gid, el in by_id.items():
        if local_name(el.tag) not in ("linearGradient", "radialGradient"):
            continue
        colours = []
        for s in stops(el):
            props = {**{k: s.get(k) for k in ("stop-color", "stop-opacity") if s.get(k)}, **parse_style(s.get("style"))}
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
        tag = local_name(el.tag)
        if tag in ("defs", "style", "metadata", "title", "desc", "clipPath", "mask", "pattern", "marker",
                   "linearGradient", "radialGradient", "filter", "script"):
            return
        declared = _declared(el, rules)
        state = {**inherited, **{k: declared[k] for k in PAINT_PROPS if k in declared}}
        own = parse_style(el.get("style"))
        if tag in ("image", "foreignObject") or declared.get("filter", "none") not in ("none", ""):
            own["display"] = "none"
            el.set("style", style_text(own))
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
            el.set("style", style_text(own))
        elif "opacity" in declared:
            own["opacity"] = "1"  # translucency was folded into the shapes' decisions
            el.set("style", style_text(own))
        for child in list(el):
            visit(child, state, opacity)

    visit(root, inherited0, 1.0)
    return root


def style_text(props: dict) -> str:
    return ";".join(f"{k}:{v}" for k, v in props.items())
