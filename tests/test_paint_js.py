"""The page's paint stages (web_demo/src/paint.js, run by Node) give what Python's give.

The browser test covers the page end to end with one tapped dot; here the
same JavaScript runs on sketches that exercise every stage: several
pyramid levels, pencil lines, gaps the fill closes and one it cannot,
dots of two colours in one region, a dot flowing through a gap into the
next region, a dot reaching over a thinner line into an undotted area
(the eye), a floor line cutting a strip of page off at the border, a thin
band the coarse levels cut into beads, thick strokes whose wide gaps close, a dot on the open background,
two dots splitting the page between them, a page with no ink at all,
hatching that must not cut its area into strips nor wall a dot in, a line's light tips in a
gap that must stay lines, an undotted strip whose lines tie with the
outline's, and a
model's colours at a smaller size than the sketch.
"""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from keras_anime_cyclegan.paint import paint
from keras_anime_cyclegan.paint.colours import Hint

from test_paint import figure

NODE = shutil.which("node")
SCRIPT = Path(__file__).resolve().parents[1] / "web_demo" / "tests" / "paint_cli.mjs"

CASES = {
    "two dots in one region": dict(sketch=dict(size=512, gap=10), hints=[(300, 150, (220, 0, 0)), (420, 350, (0, 0, 220))]),
    "dot behind a wide gap": dict(sketch=dict(size=512, gap=24), hints=[(150, 300, (200, 30, 30))]),
    "dot on the open background": dict(sketch=dict(size=400, gap=0, grey=150), hints=[(10, 10, (90, 160, 230)), (120, 220, (30, 120, 40))]),
    "no hints, pencil": dict(sketch=dict(size=300, grey=170), hints=[]),
    "dot in an outline of twenty gaps": dict(sketch=dict(size=512, openings=20), hints=[(150, 300, (200, 30, 30))]),
    "dot in a figure part open to the page": dict(sketch=dict(size=512, open_left=True), hints=[(160, 300, (200, 30, 30))]),
    "dot flowing through a gap": dict(sketch=dict(size=512, gap=10), hints=[(120, 350, (20, 200, 40))]),
    "dot reaching over a thinner line": dict(sketch=dict(size=512), hints=[(120, 350, (20, 200, 40))]),
    "page cut off by a floor line": dict(sketch=dict(size=400, floor=True), hints=[]),
    "thin band cut into beads": dict(sketch=dict(size=512, band=18), hints=[(69, 255, (200, 30, 30))]),
    "thick strokes with wide gaps": dict(sketch=dict(size=512, width=8, gap=16), hints=[]),
    "two dots on the open background": dict(sketch=dict(size=512), hints=[(256, 20, (90, 160, 230)), (256, 495, (30, 160, 40))]),
    "a page with no ink, two dots": dict(sketch=dict(size=200, blank=True), hints=[(50, 100, (220, 0, 0)), (150, 100, (0, 0, 220))]),
    "hatching from line to line": dict(sketch=dict(size=512, hatch=True), hints=[(300, 420, (30, 120, 200))]),
    "two dots across hatching": dict(sketch=dict(size=512, hatch=True), hints=[(350, 150, (220, 0, 0)), (350, 400, (0, 0, 220))]),
    "light tips in a gap": dict(sketch=dict(size=512, gap=16, tips=5), hints=[(120, 350, (20, 200, 40))]),
    "strip between two dotted areas": dict(sketch=dict(size=512, strip=True), hints=[(150, 250, (40, 60, 220)), (360, 250, (40, 60, 220))]),
    "the page cut in two near its edges": dict(sketch=dict(size=512, to_edges=2), hints=[(20, 256, (90, 160, 230)), (350, 120, (200, 30, 30))]),
    "a dot beside the figure, the page cut in two": dict(sketch=dict(size=512, to_edges=2), hints=[(50, 256, (90, 160, 230))]),
    "a phone photo's shadow": dict(sketch=dict(size=400, shadow=0.4, grey=90), hints=[(300, 230, (200, 40, 40))]),
}


def _rgba(rgb: np.ndarray) -> np.ndarray:
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=-1)


@pytest.mark.skipif(NODE is None, reason="needs node (the web demo's toolchain), not installed")
@pytest.mark.parametrize("name", list(CASES))
def test_paint_js_equals_python(name, tmp_path):
    case = CASES[name]
    sketch = figure(**case["sketch"])
    h, w = sketch.shape[:2]
    rng = np.random.default_rng(0)
    g = np.clip(rng.normal(0, 30, (h // 2, w // 2, 3)) + [200, 150, 90], 0, 255).astype(np.uint8)
    radius = 2 * max(h, w) / 256
    hints = [Hint(c, x + 0.5, y + 0.5, radius) for x, y, c in case["hints"]]
    expected = paint(sketch, g, hints).image
    (tmp_path / "sketch.rgba").write_bytes(_rgba(sketch).tobytes())
    (tmp_path / "g.rgba").write_bytes(_rgba(g).tobytes())
    job = dict(sketch=str(tmp_path / "sketch.rgba"), width=w, height=h, coloured=str(tmp_path / "g.rgba"),
               cw=g.shape[1], ch=g.shape[0], out=str(tmp_path / "out.rgba"),
               hints=[dict(x=t.x, y=t.y, radius=t.radius, colour=list(t.colour)) for t in hints])
    (tmp_path / "job.json").write_text(json.dumps(job))
    done = subprocess.run([NODE, str(SCRIPT), str(tmp_path / "job.json")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    page = np.fromfile(tmp_path / "out.rgba", np.uint8).reshape(h, w, 4)[..., :3]
    diff = np.abs(page.astype(np.int16) - expected.astype(np.int16))
    print(f"{name}: mean abs diff {diff.mean():.4f}/255, max {diff.max()}; {done.stdout.strip()}")
    assert diff.mean() <= 0.05 and (diff > 1).mean() <= 1e-3


@pytest.mark.skipif(NODE is None, reason="needs node (the web demo's toolchain), not installed")
@pytest.mark.parametrize("dotted", [False, True], ids=["no dots", "a dot among the reference's areas"])
def test_reference_js_equals_python(dotted, tmp_path):
    """The page's reference stage (web_demo/src/reference.js) places the
    reference and votes as paint/reference.py does: two characters on one
    page (each placed on its own figure), mirrored and turned, one with a
    colour step its sketch has no line for (a region split pixel by pixel);
    with a dot, its flow and reach stop at the areas the reference coloured."""
    from keras_anime_cyclegan.paint.ink import find_ink
    from keras_anime_cyclegan.paint.reference import prepare_reference, reference_palette
    from keras_anime_cyclegan.paint.regions import find_regions
    from keras_anime_cyclegan.utils.images import reframe

    from test_reference import character, villain

    side = 320
    sketch = np.full((side, 2 * side, 3), 255, np.uint8)
    sketch[:, :side] = reframe(villain(side, fill=False), False, 0.9, 5, (0, 0))
    sketch[:, side:] = reframe(character(side, fill=False), True, 0.8, -7, (5, 10))
    references = [character(side, collar=True), villain(side)]
    h, w = sketch.shape[:2]
    g = np.full((h // 2, w // 2, 3), (90, 160, 90), np.uint8)
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    palette, confidence = reference_palette(regions, ink, [prepare_reference(r) for r in references])
    assert palette.split, "no region split: the case does not cover the split"
    hints = [Hint((40, 90, 220), 160.5, 160.5, 5.0)] if dotted else []
    expected = paint(sketch, g, hints, sources=[palette], regions=regions, ink=ink).image
    expected_match = np.round(np.clip(confidence, 0, 1) * 255).astype(np.uint8)[regions.labels]
    (tmp_path / "sketch.rgba").write_bytes(_rgba(sketch).tobytes())
    (tmp_path / "g.rgba").write_bytes(_rgba(g).tobytes())
    refs = []
    for i, r in enumerate(references):
        (tmp_path / f"ref{i}.rgba").write_bytes(_rgba(r).tobytes())
        refs.append(dict(path=str(tmp_path / f"ref{i}.rgba"), width=r.shape[1], height=r.shape[0]))
    job = dict(sketch=str(tmp_path / "sketch.rgba"), width=w, height=h, coloured=str(tmp_path / "g.rgba"),
               cw=g.shape[1], ch=g.shape[0], out=str(tmp_path / "out.rgba"), references=refs,
               hints=[dict(x=t.x, y=t.y, radius=t.radius, colour=list(t.colour)) for t in hints],
               match=str(tmp_path / "match.bytes"))
    (tmp_path / "job.json").write_text(json.dumps(job))
    done = subprocess.run([NODE, str(SCRIPT), str(tmp_path / "job.json")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    page = np.fromfile(tmp_path / "out.rgba", np.uint8).reshape(h, w, 4)[..., :3]
    match = np.fromfile(tmp_path / "match.bytes", np.uint8).reshape(h, w)
    diff = np.abs(page.astype(np.int16) - expected.astype(np.int16))
    print(f"reference: mean abs diff {diff.mean():.4f}/255, max {diff.max()}; {done.stdout.strip()}")
    # The placement is a search over float sums (numpy's pairwise float32
    # means, JavaScript's sequential doubles): the same optimum to well under
    # a pixel, so a region's vote can move by a sample or two and its mean
    # colour by a fraction of a level; a whole region never changes colour.
    assert (diff > 1).mean() <= 1e-3, (diff > 1).mean()
    assert np.abs(match.astype(np.int16) - expected_match).max() <= 8


def _line_pictures():
    """Line art with black fills: the shipped samples' artist lines (the alien's dark areas among them),
    a page of random discs and bars of many widths at an odd size, a blank page and an all-black one."""
    from keras_anime_cyclegan.artifacts import pretrained
    from keras_anime_cyclegan.inference import read_image

    pictures = {line.stem: read_image(line)[0] for line, _ in pretrained.sample_pairs()}
    rng = np.random.default_rng(5)
    page = np.full((181, 233, 3), 255, np.uint8)
    yy, xx = np.mgrid[:181, :233]
    for _ in range(12):
        cy, cx, r = rng.integers(0, 181), rng.integers(0, 233), rng.integers(2, 30)
        page[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 120)
        y0, x0, w = rng.integers(0, 170), rng.integers(0, 220), rng.integers(1, 9)
        page[y0 : y0 + w, x0 : x0 + rng.integers(10, 120)] = 0
    pictures["discs and bars"] = page
    pictures["blank"] = np.full((40, 56, 3), 255, np.uint8)
    pictures["all black"] = np.zeros((40, 56, 3), np.uint8)
    return pictures


@pytest.mark.skipif(NODE is None, reason="needs node (the web demo's toolchain), not installed")
def test_outline_fills_js_equals_python(tmp_path):
    """The page's "Fill dark areas" switch (src/lines.js) outlines exactly the pixels
    `sketch.real.outline_fills` does: the same ink, stroke width (exact distances,
    the same median and rounding) and morphology, so byte-identical output."""
    from keras_anime_cyclegan.sketch.real import outline_fills

    script = SCRIPT.with_name("lines_cli.mjs")
    changed = 0
    for name, rgb in _line_pictures().items():
        h, w = rgb.shape[:2]
        (tmp_path / "in.rgba").write_bytes(_rgba(rgb).tobytes())
        done = subprocess.run([NODE, str(script), str(tmp_path / "in.rgba"), str(w), str(h), str(tmp_path / "out.rgba")],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        page = np.fromfile(tmp_path / "out.rgba", np.uint8).reshape(h, w, 4)
        expected = outline_fills(rgb)
        np.testing.assert_array_equal(page[..., :3], expected, err_msg=name)
        assert (page[..., 3] == 255).all()
        changed += int((expected != rgb).any())
    assert changed >= 2  # the alien's dark areas and the discs were outlined, not left alone


@pytest.mark.skipif(NODE is None, reason="needs node (the web demo's toolchain), not installed")
def test_hint_spread_js_equals_python(tmp_path):
    """The page spreads hints (src/spread.js) for a model exported without its
    spread as the exports' Python runners do (`inference.spread.spread_hints`):
    the same pixels hinted, colours equal to float32 rounding. NumPy sums a
    pixel's nine neighbours in float32 and divides (about 10 roundings of at
    most 2**-24 for colours in [-1, 1]), JavaScript sums in float64 and
    rounds once when it stores; a mean does not enlarge what its inputs
    differed by, so the difference stays under 10 roundings for each of the
    48 half-size rounds and the 3 steps after: 51 * 10 * 2**-24."""
    from keras_anime_cyclegan.inference.spread import spread_hints

    from test_hints import _spread_cases

    script = SCRIPT.with_name("spread_cli.mjs")
    for i, x in enumerate(_spread_cases()):
        h, w = x.shape[:2]
        x.astype(np.float32).tofile(tmp_path / "in.f32")
        done = subprocess.run([NODE, str(script), str(tmp_path / "in.f32"), str(w), str(h), "48", str(tmp_path / "out.f32")],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        page = np.fromfile(tmp_path / "out.f32", np.float32).reshape(h, w, 7)
        expected = spread_hints(x[None], 48)[0]
        np.testing.assert_array_equal(page[..., 6], expected[..., 6], err_msg=f"case {i}")
        np.testing.assert_array_equal(page[..., :3], x[..., :3])
        np.testing.assert_allclose(page[..., 3:6], expected[..., 3:6], rtol=0, atol=51 * 10 * 2.0**-24, err_msg=f"case {i}")
