"""The web demo in real Chromium: the TF.js export's parity proof.

Exports tiny generators (both directions) to TF.js, builds `web_demo/`,
serves it on a local port and drives Debian's headless Chromium through
`web_demo/tests/browser_check.mjs` (playwright-core). The page's output
pixels are compared with the same model run in Keras.

Needs Chromium and `web_demo/node_modules`: `make test` installs both
(its `web-deps` step). Missing either is a failure, not a skip.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from keras_anime_cyclegan.artifacts import pretrained
from keras_anime_cyclegan.config import GeneratorConfig
from keras_anime_cyclegan.data.synthetic import synthetic_sample
from keras_anime_cyclegan.export.tfjs import export_tfjs
from keras_anime_cyclegan.inference import read_image
from keras_anime_cyclegan.inference.hints import paint_hints
from keras_anime_cyclegan.paint import paint
from keras_anime_cyclegan.inference.hints import hint_channels
from keras_anime_cyclegan.models.factory import build_generator
from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, load_generator, weights_sha256
from keras_anime_cyclegan.utils.images import reframe, to_float, to_uint8
from keras_anime_cyclegan.paint.ink import find_ink
from keras_anime_cyclegan.paint.reference import prepare_reference, reference_palette
from keras_anime_cyclegan.paint.regions import find_regions
from keras_anime_cyclegan.sketch.real import outline_fills

from test_reference import SKIN, character

pytestmark = pytest.mark.slow  # builds the site and drives Chromium

WEB_DEMO = Path(__file__).resolve().parents[1] / "web_demo"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TINY = GeneratorConfig(base_filters=8, max_filters=32, levels=2, residual_blocks=1, upsampling="resize")
NAMES = {"colorize": "generator_g", "lines": "generator_f"}
# Each case: a picture (sketch for colorize, colour for lines) of an odd
# size, so the page's padding to the multiple and cropping are exercised.
CASES = {
    "colorize": dict(direction="colorize", size=(60, 90), seed=1),
    "lines": dict(direction="lines", size=(53, 77), seed=2, offline=True),
    "colorize_cpu": dict(direction="colorize", size=(60, 90), seed=1, backend="cpu"),
    "colorize_no_flats": dict(direction="colorize", size=(60, 90), seed=1, flat=False),
    "lines_webgl": dict(direction="lines", size=(53, 77), seed=2, backend="webgl"),
    "colorize_uint8": dict(direction="colorize", size=(60, 90), seed=1, quantize="uint8"),
    "phone": dict(direction="lines", size=(200, 300), seed=3, phone=True, page_size="128"),
    # a sketch larger than the model's size: flat colours come back at the picture's own size
    "colorize_large": dict(direction="colorize", size=(240, 360), seed=4, page_size="128", layers=True),
    # what `make web` serves: the shipped colourizer, on the bundled sample
    # line art; then a green dot tapped on the alien's head
    "shipped": dict(direction="colorize", size=(256, 256), seed=0, shipped=True,
                    hint={"x": 0.5, "y": 0.3, "colour": "#14c828"}),
    # the same dot tapped with a finger on a phone
    "shipped_phone": dict(direction="colorize", size=(256, 256), seed=0, shipped=True, phone=True, page_size="256",
                          hint={"x": 0.5, "y": 0.3, "colour": "#14c828"}),
    # the shipped F on the alien's colour picture, "Fill dark areas" unticked
    "lines_outlined": dict(direction="lines", size=(256, 256), seed=0, shipped=True, fill=False),
    # a 512x512 sketch of a character, mirrored and turned; then its
    # coloured picture chosen as the reference
    "reference": dict(direction="colorize", size=(512, 512), seed=0, reference=True, page_size="256"),
}
PARITY_LIMIT = 2.0  # mean absolute difference in 0..255 levels (2/255 of the range), float32 weights
UINT8_LIMIT = 2.0  # uint8-quantised weights: measured 0.54, held to the same bound


def _require(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(f"{what}; run `make web-deps` (apt-get install chromium, npm ci in web_demo)", pytrace=False)


def _picture(case: dict) -> np.ndarray:
    if case.get("reference"):
        return reframe(character(512, fill=False), True, 0.8, 9, (20, -10))
    if case.get("shipped"):
        ((line, colour),) = [p for p in pretrained.sample_pairs() if p[0].name.startswith("people__alien")]
        return read_image(line if case["direction"] == "colorize" else colour)[0]
    sample = synthetic_sample(*case["size"], seed=case["seed"])
    return sample.lines if case["direction"] == "colorize" else sample.color


def _keras_reference(model, picture: np.ndarray, multiple: int, flat: bool = False) -> np.ndarray:
    """What the page computes: reflect-pad bottom/right to the multiple, run, crop (and the flat colours)."""
    h, w = picture.shape[:2]
    x = np.pad(to_float(picture), [(0, (-h) % multiple), (0, (-w) % multiple), (0, 0)], mode="reflect")
    out = to_uint8(np.asarray(model(x[None], training=False))[0, :h, :w])
    return paint(picture, out).image if flat else out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser_run(tmp_path_factory):
    _require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}")
    _require(shutil.which("node") is not None, "node not found")
    _require((WEB_DEMO / "node_modules" / "playwright-core").exists(), "web_demo/node_modules is missing")
    root = tmp_path_factory.mktemp("web_demo")
    site, out = root / "site", root / "out"
    out.mkdir()

    build = subprocess.run(["node", "build.mjs", "--outdir", str(site)], cwd=WEB_DEMO, capture_output=True, text=True)
    assert build.returncode == 0, f"npm run build failed:\n{build.stdout}\n{build.stderr}"
    shutil.rmtree(site / "models", ignore_errors=True)
    models = {}
    for seed, (direction, name) in enumerate(NAMES.items()):
        keras.utils.set_random_seed(seed)
        model = build_generator(TINY, name=name)
        models[direction] = model
        loaded = LoadedGenerator(model, direction, TINY, weights_sha256(model), Path(name))
        export_tfjs(loaded, site / "models" / direction)
        export_tfjs(loaded, site / "models-uint8" / direction, quantize="uint8")
    for direction in NAMES:  # as `make web` exports them
        shipped = load_generator("pretrained", direction)
        export_tfjs(shipped, site / "models-shipped" / direction)
    models["shipped"] = load_generator("pretrained", "colorize").model
    models["shipped_lines"] = load_generator("pretrained", "lines").model

    plan_cases = []
    for name, case in CASES.items():
        path = root / f"{name}.png"
        Image.fromarray(_picture(case)).save(path)
        if case.get("reference"):
            Image.fromarray(character(512)).save(root / f"{name}-reference.png")
        plan_cases.append({"name": name, "file": str(path), "direction": case["direction"],
                           "size": case.get("page_size", "original"), "backend": case.get("backend"),
                           "offline": case.get("offline", False), "phone": case.get("phone", False),
                           "hint": case.get("hint"), "flat": case.get("flat", True), "fill": case.get("fill", True), "layers": case.get("layers", False),
                           "reference": str(root / f"{name}-reference.png") if case.get("reference") else None,
                           "models": f"models-{case['quantize']}/" if "quantize" in case
                           else "models-shipped/" if case.get("shipped") else None})
    not_image = root / "notes.txt"
    not_image.write_text("not a picture\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    plan = {"url": f"http://127.0.0.1:{server.server_address[1]}/", "out": str(out), "chromium": CHROMIUM,
            "cases": plan_cases, "notImage": str(not_image)}
    (root / "plan.json").write_text(json.dumps(plan))
    try:
        run = subprocess.run(["node", "tests/browser_check.mjs", str(root / "plan.json")], cwd=WEB_DEMO,
                             capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
    assert run.returncode == 0, f"browser_check.mjs failed:\n{run.stdout}\n{run.stderr}"
    results = json.loads((out / "results.json").read_text())
    results["origin"] = plan["url"].rstrip("/")
    results["models"] = models
    results["out"] = out
    print(f"web demo test output: {out}")
    return results


def _page_output(case: dict) -> np.ndarray:
    assert case.get("state") == "done", f"page did not finish: {case}"
    rgba = np.fromfile(case["rgbaFile"], np.uint8).reshape(case["height"], case["width"], 4)
    assert (rgba[..., 3] == 255).all()
    return rgba[..., :3]


def _flat(spec: dict) -> bool:
    """The page gives flat colours (paint.js) for colorize unless ?flat=0."""
    return spec["direction"] == "colorize" and spec.get("flat", True)


@pytest.mark.parametrize("name", ["colorize", "lines", "colorize_cpu", "lines_webgl", "colorize_no_flats"])
def test_browser_output_equals_keras(browser_run, name):
    """The page equals Keras (then `paint.paint` where the page paints flat colours: paint.js is its twin)."""
    case, spec = browser_run["cases"][name], CASES[name]
    picture = _picture(spec)
    page = _page_output(case)
    assert page.shape == picture.shape
    reference = _keras_reference(browser_run["models"][spec["direction"]], picture, 2**TINY.levels, _flat(spec))
    assert reference.std() > 20, "the tiny model's output is too flat to prove anything"
    diff = np.abs(page.astype(np.int16) - reference.astype(np.int16))
    print(f"{name} on {case['backend']}: mean abs diff {diff.mean():.4f}/255, max {diff.max()}/255")
    assert diff.mean() <= PARITY_LIMIT
    if spec.get("backend"):
        assert case["backend"] == spec["backend"]
    assert case["direction"] == spec["direction"]


def _hinted_reference(model, picture: np.ndarray, hints: list) -> np.ndarray:
    """Keras on the picture with hints given as (x, y) fractions and "#rrggbb", as the page sends them, flattened."""
    h, w = picture.shape[:2]
    channels = hint_channels([(p["x"], p["y"], p["colour"]) for p in hints], (w, h), (w, h))
    x = np.concatenate([to_float(picture), channels], axis=-1)
    points = paint_hints([(p["x"], p["y"], p["colour"]) for p in hints], (w, h), (w, h))
    return paint(picture, to_uint8(np.asarray(model(x[None], training=False))[0]), points).image


def test_unticking_fill_dark_areas_outlines_them_as_python_does(browser_run):
    """The lines direction with "Fill dark areas" unticked: the shipped F's result with its dark areas
    outlined (`LineExtractor(fill_dark=False)`'s post-process, src/lines.js in the page)."""
    case, spec = browser_run["cases"]["lines_outlined"], CASES["lines_outlined"]
    picture = _picture(spec)
    page = _page_output(case)
    filled = _keras_reference(browser_run["models"]["shipped_lines"], picture, 1)  # 256 px: no padding
    reference = outline_fills(filled)
    diff = np.abs(page.astype(np.int16) - reference.astype(np.int16))
    print(f"outlined lines on {case['backend']}: mean abs diff {diff.mean():.4f}/255, max {diff.max()}/255; {case['timing']}")
    assert diff.mean() <= PARITY_LIMIT
    cleared = (reference != filled).any(axis=-1)
    assert cleared.mean() > 0.01, "the alien's dark areas were not outlined: the case proves nothing"
    assert (page[cleared] >= 128).all(axis=-1).mean() > 0.95  # paper where the fills were
    assert "outlines" in case["timing"]


def test_shipped_colourizer_in_the_browser(browser_run):
    """`make web`'s default model: the shipped G (zero hints) runs in the page as in Keras."""
    case, spec = browser_run["cases"]["shipped"], CASES["shipped"]
    picture = _picture(spec)
    page = _page_output(case)
    reference = _hinted_reference(browser_run["models"]["shipped"], picture, [])
    diff = np.abs(page.astype(np.int16) - reference.astype(np.int16))
    print(f"shipped colourizer on {case['backend']}: mean abs diff {diff.mean():.4f}/255, max {diff.max()}/255")
    assert diff.mean() <= PARITY_LIMIT
    assert np.abs(page.astype(np.int16) - picture.astype(np.int16)).mean() > 5, "the page returned the sketch"


def test_a_tapped_hint_changes_the_colour_near_it(browser_run):
    """A dot tapped on the sketch: the page's output equals Keras with that hint, and changed near the dot."""
    case, spec = browser_run["cases"]["shipped"], CASES["shipped"]
    assert case["hintTools"], "the hint tools are hidden for a hint model"
    (hint,) = case["hints"]
    assert abs(hint["x"] - 0.5) < 0.01 and abs(hint["y"] - 0.3) < 0.01 and hint["colour"] == "#14c828"
    picture = _picture(spec)
    before = _page_output(case)
    after = np.fromfile(case["hintedRgbaFile"], np.uint8).reshape(case["height"], case["width"], 4)[..., :3]
    reference = _hinted_reference(browser_run["models"]["shipped"], picture, case["hints"])
    diff = np.abs(after.astype(np.int16) - reference.astype(np.int16))
    print(f"shipped colourizer with a hint: mean abs diff {diff.mean():.4f}/255, max {diff.max()}/255; page {case['timing']}")
    assert diff.mean() <= PARITY_LIMIT
    cy, cx = int(hint["y"] * 256), int(hint["x"] * 256)
    change = np.abs(after.astype(np.int16) - before.astype(np.int16)).mean(axis=-1)
    # The page gives flat colours: the dot recolours the area the lines enclose around it.
    regions, _ = ndimage.label(picture @ np.float32([0.299, 0.587, 0.114]) >= 128)
    hinted = regions == regions[cy, cx]
    assert regions[cy, cx] and change[hinted].mean() > 10, change[hinted].mean()
    assert change[hinted].mean() > 3 * change[~hinted].mean(), (change[hinted].mean(), change[~hinted].mean())
    # The downloaded hint layer is the one kac colorize --hints takes: same picture size, the dot opaque in its colour.
    assert case["hintLayerName"].endswith("-hints.png")
    layer = np.asarray(Image.open(case["hintLayer"]).convert("RGBA"))
    assert layer.shape == (256, 256, 4)
    opaque = layer[..., 3] >= 128
    assert opaque.sum() == 25 and opaque[cy, cx] and tuple(layer[cy, cx, :3]) == (0x14, 0xC8, 0x28)
    np.testing.assert_array_equal(
        hint_channels(case["hintLayer"], (256, 256), (256, 256)),
        hint_channels([(hint["x"], hint["y"], hint["colour"])], (256, 256), (256, 256)),
    )


def test_a_hint_tapped_on_a_phone_works_as_on_a_desktop(browser_run):
    phone, desktop = browser_run["cases"]["shipped_phone"], browser_run["cases"]["shipped"]
    assert phone["hintTools"] and len(phone["hints"]) == 1
    assert abs(phone["hints"][0]["x"] - 0.5) < 0.02 and abs(phone["hints"][0]["y"] - 0.3) < 0.02
    after = np.fromfile(phone["hintedRgbaFile"], np.uint8).reshape(phone["height"], phone["width"], 4)[..., :3]
    reference = _hinted_reference(browser_run["models"]["shipped"], _picture(CASES["shipped_phone"]), phone["hints"])
    assert np.abs(after.astype(np.int16) - reference.astype(np.int16)).mean() <= PARITY_LIMIT
    assert phone["layout"]["scrollWidth"] <= 390 and phone["layout"]["smallestButton"] >= 44, phone["layout"]


def test_flat_colours_come_back_at_the_picture_s_own_size(browser_run):
    """The model sees the sketch at 128 px; the regions, lines and result are the sketch's own 360x240."""
    case, spec = browser_run["cases"]["colorize_large"], CASES["colorize_large"]
    picture = _picture(spec)
    page = _page_output(case)
    assert page.shape == picture.shape and case["timing"].startswith("(128×85:")
    small = np.asarray(Image.fromarray(picture).resize((128, 85), Image.LANCZOS))
    g = _keras_reference(browser_run["models"]["colorize"], small, 2**TINY.levels)
    painted = paint(picture, g)
    diff = np.abs(page.astype(np.int16) - painted.image.astype(np.int16))
    # The browser's own resize differs from PIL's, so G's colours differ a
    # little; each region's median absorbs most of it.
    print(f"colorize at the picture's size: mean abs diff {diff.mean():.4f}/255, max {diff.max()}/255")
    assert diff.mean() <= 2 * PARITY_LIMIT
    background = painted.regions.background[painted.regions.labels]
    np.testing.assert_array_equal(page[background], picture[background])  # paper stays paper, lines as drawn


def test_a_reference_picture_colours_the_sketch_in_the_page(browser_run):
    """A reference chosen beside the sketch: the page places it and paints
    its colours as `paint.reference` does (the model sees 256 px; the
    regions, the reference's placement and the result are the sketch's own 512)."""
    case, spec = browser_run["cases"]["reference"], CASES["reference"]
    assert case["referenceTools"], "the reference picker is hidden"
    picture = _picture(spec)
    before = _page_output(case)
    after = np.fromfile(case["referenceRgbaFile"], np.uint8).reshape(case["height"], case["width"], 4)[..., :3]
    small = np.asarray(Image.fromarray(picture).resize((256, 256), Image.LANCZOS))
    g = _keras_reference(browser_run["models"]["colorize"], small, 2**TINY.levels)
    ink = find_ink(picture)
    regions = find_regions(ink.mask)
    palette, _ = reference_palette(regions, ink, [prepare_reference(character(512))])
    expected = paint(picture, g, sources=[palette], regions=regions, ink=ink).image
    diff = np.abs(after.astype(np.int16) - expected.astype(np.int16))
    print(f"reference in the page: mean abs diff {diff.mean():.4f}/255, max {diff.max()}/255; "
          f"page {case['timing']} -> {case['referenceTiming']}")
    # The reference's regions are painted exactly (the same placement and
    # vote: test_paint_js checks them equal); only G's regions carry the
    # browser's resize difference, as in test_flat_colours_come_back_at_the_picture_s_own_size.
    assert diff.mean() <= 2 * PARITY_LIMIT
    face = regions.labels == regions.labels[257, 274]  # below the eyes: (256, 270) of the drawing, reframed
    assert np.abs(np.median(after[face & ~ink.mask], axis=0) - SKIN).max() <= 1
    assert np.abs(np.median(before[face & ~ink.mask], axis=0) - SKIN).max() > 10  # G alone does not know it


def test_the_page_s_layered_file_recomposes_its_result(browser_run):
    """The page's "Download layers": an OpenRaster file at the picture's size whose visible
    layers (flats, lines in multiply), read by the spec, give the result on screen."""
    import xml.etree.ElementTree as ET
    import zipfile

    case = browser_run["cases"]["colorize_large"]
    assert case["layersButton"] and case["layersName"].endswith("-layers.ora")
    page = _page_output(case).astype(np.float64)
    with zipfile.ZipFile(case["layersFile"]) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        stack = [e.attrib for e in ET.fromstring(z.read("stack.xml")).iter("layer")]
        assert [(e["name"], e["composite-op"], e["visibility"]) for e in stack] == [
            ("lines", "svg:multiply", "visible"), ("shading", "svg:multiply", "hidden"), ("flats", "svg:src-over", "visible")]
        flats = np.asarray(Image.open(z.open(stack[2]["src"])).convert("RGBA")).astype(np.float64) / 255
        lines = np.asarray(Image.open(z.open(stack[0]["src"])).convert("RGBA")).astype(np.float64) / 255
        assert np.asarray(Image.open(z.open("mergedimage.png"))).shape[:2] == page.shape[:2]
    a = lines[..., 3:]
    recomposed = flats[..., :3] * (1 - a) + flats[..., :3] * lines[..., :3] * a
    assert flats.shape[:2] == page.shape[:2] and np.abs(np.round(recomposed * 255) - page).max() <= 2


def test_uint8_weights_stay_close_in_the_browser(browser_run):
    case, spec = browser_run["cases"]["colorize_uint8"], CASES["colorize_uint8"]
    picture = _picture(spec)
    reference = _keras_reference(browser_run["models"]["colorize"], picture, 2**TINY.levels, _flat(spec))
    diff = np.abs(_page_output(case).astype(np.int16) - reference.astype(np.int16))
    print(f"colorize, uint8 weights, on {case['backend']}: mean abs diff {diff.mean():.4f}/255, max {diff.max()}/255")
    assert diff.mean() <= UINT8_LIMIT


def test_phone_layout_resizes_and_scales_back(browser_run):
    case, spec = browser_run["cases"]["phone"], CASES["phone"]
    page = _page_output(case)
    assert page.shape == _picture(spec).shape  # cropped and scaled back to the picture's own size
    assert case["timing"].startswith("(128×85:")  # the model saw it at 128 px, aspect ratio kept
    assert page.std() > 5
    layout = case["layout"]
    assert layout["scrollWidth"] <= 390, layout  # nothing wider than the phone
    assert layout["smallestButton"] >= 44, layout  # touch-sized controls
    assert layout["outputWidth"] <= 390
    screenshot = Path(case["screenshot"])
    assert screenshot.stat().st_size > 1000
    assert Image.open(screenshot).size[0] == 390 * 2  # deviceScaleFactor 2


def test_drop_paste_and_download(browser_run):
    # The first case's picture (the colour-a-sketch one), dropped, then pasted.
    assert browser_run["dropAndPaste"] == {"runs": 2, "width": 90, "height": 60}
    download = browser_run["download"]
    assert download["name"] == "dropped-colorize.png"
    saved = np.asarray(Image.open(download["path"]).convert("RGB"))
    assert np.array_equal(saved, _page_output(browser_run["cases"]["colorize"]))


def test_non_image_upload_shows_error(browser_run):
    result = browser_run["notImage"]
    assert result["state"] == "error"
    assert "notes.txt" in result["error"] and "not an image" in result["error"]


def test_missing_models_show_error(browser_run):
    result = browser_run["missingModels"]
    assert result["state"] == "error"
    assert "could not be read" in result["error"] and "make web" in result["error"]


def test_no_request_leaves_the_origin(browser_run):
    assert browser_run["foreignRequests"] == []
    origin = browser_run["origin"]
    assert browser_run["requests"], "no requests were recorded"
    assert all(url.startswith((origin + "/", "data:", "blob:")) for url in browser_run["requests"])


def test_offline_after_load_and_no_page_errors(browser_run):
    assert browser_run["cases"]["lines"]["state"] == "done"  # ran with the network cut
    assert browser_run["pageErrors"] == []
