"""Reference colouring (`paint.reference`, `Colorizer.colorize(reference=...)`, `kac colorize --reference`)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from helpers import user_env
from keras_anime_cyclegan.inference import Colorizer
from keras_anime_cyclegan.inference.hints import read_hint_file, read_reference_table
from keras_anime_cyclegan.paint import paint
from keras_anime_cyclegan.paint import reference as R
from keras_anime_cyclegan.paint.colours import Hint
from keras_anime_cyclegan.paint.ink import find_ink
from keras_anime_cyclegan.paint.regions import find_regions
from keras_anime_cyclegan.utils.images import reframe

SKIN, HAIR, EYE, SHIRT, BOW = (250, 215, 180), (60, 35, 20), (40, 90, 200), (200, 30, 40), (240, 200, 30)


COLLAR = (250, 250, 250)


def character(side: int = 384, fill: bool = True, collar: bool = False) -> np.ndarray:
    """A small figure: dark hair (a dark *area*, not a line), face, two eyes,
    a shirt, a bow on one side (so mirroring matters); black outlines 3 px.
    `collar`: a white band across the shirt's top with no line under it."""
    return _draw(side, fill, [
        ("rectangle", (120, 230, 264, 340), SHIRT),
        ("ellipse", (110, 40, 274, 200), HAIR),
        ("ellipse", (130, 80, 254, 230), SKIN),
        ("ellipse", (160, 130, 185, 155), EYE),
        ("ellipse", (200, 130, 225, 155), EYE),
        ("polygon", (250, 50, 300, 30, 300, 80), BOW),
    ] + ([("band", (122, 232, 262, 262), COLLAR)] if collar else []))


def villain(side: int = 384, fill: bool = True) -> np.ndarray:
    """Another character: a square face under a pointed hat, a long coat."""
    return _draw(side, fill, [
        ("polygon", (100, 250, 284, 250, 320, 370, 64, 370), (30, 160, 160)),
        ("rectangle", (135, 110, 249, 250), (150, 220, 150)),
        ("polygon", (120, 115, 192, 10, 264, 115), (90, 40, 130)),
        ("rectangle", (160, 160, 180, 175), (230, 30, 30)),
        ("rectangle", (205, 160, 225, 175), (230, 30, 30)),
    ])


def _draw(side, fill, shapes) -> np.ndarray:
    im = Image.new("RGB", (side, side), "white")
    d = ImageDraw.Draw(im)
    s = side / 384

    def shape(kind, box, colour):
        box = [v * s for v in box]
        getattr(d, kind)(box, fill=colour if fill else "white", outline="black", width=max(2, round(3 * s)))

    for kind, box, colour in shapes:
        if kind == "band":  # colour only: no line
            if fill:
                d.rectangle([v * s for v in box], fill=colour)
        else:
            shape(kind, box, colour)
    return np.asarray(im)


def truth_colours(colour: np.ndarray, regions) -> np.ndarray:
    """Each region's true colour: the most common colour of the reframed picture in it."""
    out = np.zeros((regions.count + 1, 3), np.int64)
    key = colour[..., 0].astype(np.int64) << 16 | colour[..., 1].astype(np.int64) << 8 | colour[..., 2]
    for r in range(1, regions.count + 1):
        values, counts = np.unique(key[regions.labels == r], return_counts=True)
        v = int(values[np.argmax(counts)])
        out[r] = (v >> 16, (v >> 8) & 255, v & 255)
    return out


@pytest.mark.parametrize("mirrored,scale,turn,shift", [(True, 0.8, 10.0, (30, -20)), (False, 0.65, -14.0, (-60, 40))])
def test_a_reframed_sketch_takes_its_reference_s_colours(mirrored, scale, turn, shift):
    reference = character()
    sketch = reframe(character(fill=False), mirrored, scale, turn, shift)
    truth = reframe(reference, mirrored, scale, turn, shift, order=0)
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    ref = R.prepare_reference(reference)
    placed = R.align(ref, ink.mask)
    # The placement: mirror exact; turn and scale as the sketch was drawn.
    # At FINE_SIDE (256 px for this 384 px page) one fine pixel at the
    # figure's radius (~60 fine px) is ~1 degree and ~1.7% of scale; the
    # refinement's last steps are 0.25 degree and 2^(1/96), so the search
    # lands within a pixel or two of the truth: 2 degrees and 4%.
    assert placed.mirrored == mirrored
    assert abs(placed.turn - turn) <= 2.0, placed
    assert abs(placed.scale - scale) <= 0.04 * scale, placed
    palette, confidence = R.reference_palette(regions, ink, [ref], [placed])
    want = truth_colours(truth, regions)
    figure = np.flatnonzero(~regions.background[1:]) + 1
    sizes = np.bincount(regions.labels.ravel(), minlength=regions.count + 1)
    big = figure[sizes[figure] >= 100]  # regions of at least 100 px (the eyes are ~300)
    assert big.size >= 6
    # Each region's colour is one of the reference's flat colours, copied:
    # the vote's winner is the mean of one 4-bit bin of exact colours, so
    # within rounding of the true colour (1/255), unless the region is wrong.
    got = palette.colours[big]
    right = np.abs(got - want[big]).max(axis=1) <= 1.0
    assert palette.known[big].all() and right.all(), (got[~right], want[big][~right])
    # Confidence: a placement off by up to 2 px moves that much of the
    # region's edge onto a neighbour's colour: at least 1 - 2 * edge / area.
    for r in big:
        inside = regions.labels == r
        edge = (inside & ~ndimage.binary_erosion(inside)).sum()
        assert confidence[r] >= 1 - 2 * edge / inside.sum(), (r, confidence[r], edge, inside.sum())
    # The hair is a dark area of the reference, not a line: it is copied as a colour.
    assert any(np.abs(c - HAIR).max() <= 1 for c in got)
    assert not palette.known[regions.background].any()


def test_a_colour_step_the_sketch_draws_no_line_for_is_split_as_the_reference_has_it():
    """A white collar across the shirt, with no line under it: the shirt is
    one region of the sketch, painted in both colours where the placed
    reference has them."""
    mirrored, scale, turn, shift = False, 0.9, 6.0, (0, 80)  # the shirt's bottom falls off the page
    sketch = reframe(character(fill=False), mirrored, scale, turn, shift)
    truth = reframe(character(collar=True), mirrored, scale, turn, shift, order=0)
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    palette, confidence = R.reference_palette(regions, ink, [R.prepare_reference(character(collar=True))])
    g = np.full((64, 64, 3), (10, 200, 10), np.uint8)
    flats = paint(sketch, g, sources=[palette], regions=regions, ink=ink).flats
    shirt = np.all(truth == SHIRT, axis=-1)
    collar = np.all(truth == COLLAR, axis=-1)
    # away from the collar's edge (the placement is within ~2 px) each pixel has its own colour
    far = ~ndimage.binary_dilation(collar, iterations=4) & ~ndimage.binary_dilation(ink.mask, iterations=2)
    near = ndimage.binary_erosion(collar, iterations=4)
    assert (np.abs(flats[shirt & far].astype(int) - SHIRT).max(axis=1) <= 1).mean() >= 0.99
    assert (np.abs(flats[near].astype(int) - COLLAR).max(axis=1) <= 1).mean() >= 0.99
    assert tuple(flats[3, 3]) == (255, 255, 255)  # the open paper stays paper


def test_a_close_up_whose_figure_touches_the_border_still_takes_the_reference_s_colours():
    """A close-up (2.6x): the region touching most of the page's border is
    the shirt, so the fill calls it background; the reference shows it in
    one colour all over (confidence >= BACKGROUND_CONFIDENCE), so it is coloured."""
    sketch = reframe(character(fill=False), False, 2.6, 0, (0, 10))
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    palette, confidence = R.reference_palette(regions, ink, [R.prepare_reference(character())])
    (back,) = np.flatnonzero(regions.background)
    assert confidence[back] >= R.BACKGROUND_CONFIDENCE and palette.known[back]
    assert np.abs(palette.colours[back] - SHIRT).max() <= 1


def test_hints_win_and_what_the_reference_does_not_show_is_left_to_the_next_source():
    reference = character()
    sketch = character(fill=False)
    # The reference shows only the top half: the shirt is not in it.
    top = reference.copy()
    top[200:] = 255
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    ref = R.prepare_reference(top)
    palette, confidence = R.reference_palette(regions, ink, [ref])
    shirt = regions.labels[300, 192]
    face = regions.labels[190, 192]
    assert not palette.known[shirt] and confidence[shirt] < R.MIN_CONFIDENCE
    assert palette.known[face] and np.abs(palette.colours[face] - SKIN).max() <= 1
    g = np.full((96, 96, 3), (10, 200, 10), np.uint8)  # "G": green everywhere
    hint = Hint((0, 0, 255), x=192, y=190, radius=2)
    painting = paint(sketch, g, hints=[hint], sources=[palette], regions=regions, ink=ink)
    assert tuple(painting.flats[190, 192]) == (0, 0, 255)  # the hint wins over the reference
    assert tuple(painting.flats[300, 192]) == (10, 200, 10)  # the shirt: G's colour
    assert np.abs(painting.flats[60, 140].astype(int) - HAIR).max() <= 1  # the hair: the reference's
    assert tuple(painting.flats[5, 5]) == (255, 255, 255)  # paper stays paper


def test_several_references_each_colour_their_own_character():
    side = 384
    page_lines = np.full((side, 2 * side, 3), 255, np.uint8)
    page_lines[:, :side] = reframe(villain(side, fill=False), False, 0.9, 5, (0, 0))
    page_lines[:, side:] = reframe(character(side, fill=False), True, 0.8, -5, (0, 10))
    ink = find_ink(page_lines)
    regions = find_regions(ink.mask)
    refs = [R.prepare_reference(character(side)), R.prepare_reference(villain(side))]
    palette, _ = R.reference_palette(regions, ink, refs)
    right_face = regions.labels[190, side + 192]
    left_face = regions.labels[200, 192]
    assert np.abs(palette.colours[right_face] - SKIN).max() <= 1
    assert np.abs(palette.colours[left_face] - (150, 220, 150)).max() <= 1


def test_colorizer_reference_door_and_bad_references(tmp_path):
    colorizer = Colorizer.pretrained()
    sketch = tmp_path / "page.png"
    ref = tmp_path / "hero.png"
    Image.fromarray(reframe(character(256, fill=False), True, 0.85, 8, (10, 5))).save(sketch)
    Image.fromarray(character(256)).save(ref)
    result = colorizer.colorize(sketch, reference=ref, return_confidence=True)
    out = np.asarray(result.image)
    assert out.shape == (256, 256, 3)
    match = np.asarray(result.match_confidence)
    assert result.match_confidence.size == (256, 256) and match.max() == 255 and match[2, 2] == 0
    # Every region of the figure has one of the reference's colours, not G's
    # (the flats within rounding; the lines are multiplied over them only on the lines).
    ink = find_ink(np.asarray(Image.open(sketch).convert("RGB")))
    regions = find_regions(ink.mask)
    palette = np.array([SKIN, HAIR, EYE, SHIRT, BOW])
    seen = set()
    for r in np.flatnonzero(~regions.background[1:]) + 1:
        inside = (regions.labels == r) & ~ndimage.binary_dilation(ink.mask, iterations=2)
        if inside.sum() >= 200:
            colour = np.median(out[inside], axis=0)
            nearest = int(np.argmin(np.abs(palette - colour).max(axis=1)))
            assert np.abs(palette[nearest] - colour).max() <= 3, (r, colour)
            seen.add(nearest)
    assert {0, 1, 3} <= seen  # face, hair, shirt (the eyes and the bow are under 200 px at this size)
    # a list, arrays and PIL images work the same; greyscale and transparent references are read
    grey = Image.fromarray(character(256)).convert("L")
    rgba = Image.fromarray(character(256)).convert("RGBA")
    rgba.putalpha(Image.fromarray(np.where(np.all(character(256) == 255, axis=-1), 0, 255).astype(np.uint8)))
    for refs in ([ref, character(256)], grey, rgba, np.full((300, 500, 3), 255, np.uint8)):
        assert colorizer.colorize(sketch, reference=refs).size == (256, 256)
    # One clear line each, naming the file.
    with pytest.raises(FileNotFoundError, match=r"missing\.png: no such reference picture"):
        colorizer.colorize(sketch, reference=tmp_path / "missing.png")
    (tmp_path / "bad.png").write_text("not a picture")
    with pytest.raises(ValueError, match=r"bad\.png: reference picture: not a readable image"):
        colorizer.colorize(sketch, reference=tmp_path / "bad.png")
    with pytest.raises(ValueError, match=r"needs at least 8x8 pixels; got 1x1"):
        colorizer.colorize(sketch, reference=np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(ValueError, match=r"reference line art is 10x10, its reference 256x256"):
        colorizer.colorize(sketch, reference=ref, reference_lines=np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="cannot be used with flat=False"):
        colorizer.colorize(sketch, reference=ref, flat=False)


def test_hint_file_references(tmp_path):
    path = tmp_path / "hints.json"
    path.write_text(json.dumps({"reference": "hero.png", "pages": {"a.png": {"hints": [[1, 2, "red"]], "reference": ["x.png", "y.png"]}, "b.png": [[3, 4, "blue"]]}}))
    assert read_reference_table(path) == {None: [tmp_path / "hero.png"], "a.png": [tmp_path / "x.png", tmp_path / "y.png"]}
    assert read_hint_file(path) == {None: [], "a.png": [[1, 2, "red"]], "b.png": [[3, 4, "blue"]]}
    path.write_text(json.dumps({"pages": {"a.png": {"reference": 3}}}))
    with pytest.raises(ValueError, match=r'hints.json \(page a.png\): "reference" must be a picture path'):
        read_reference_table(path)
    path.write_text(json.dumps({"pages": {"a.png": {"colours": []}}}))
    with pytest.raises(ValueError, match=r'\(page a.png\): expected a list of hints or an object with "hints" and/or "reference"'):
        read_hint_file(path)


def test_cli_reference(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    Image.fromarray(reframe(character(256, fill=False), False, 0.9, -6, (0, 0))).save(pages / "p1.png")
    Image.fromarray(reframe(character(256, fill=False), True, 0.9, 6, (0, 0))).save(pages / "p2.png")
    Image.fromarray(character(256)).save(tmp_path / "hero.png")
    other = np.where(np.all(character(256) == SKIN, axis=-1, keepdims=True), np.uint8([150, 220, 150]), character(256))
    Image.fromarray(other).save(tmp_path / "alt.png")
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps({"pages": {"p2.png": {"reference": "alt.png"}}}))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "keras_anime_cyclegan", "colorize", str(pages), "-o", str(out), "--reference",
           str(tmp_path / "hero.png"), "--hints", str(hints), "--confidence"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=user_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "p1.match.png").is_file() and (out / "p2.match.png").is_file()
    for name, skin in (("p1.png", SKIN), ("p2.png", (150, 220, 150))):
        picture = np.asarray(Image.open(out / name).convert("RGB"))
        centre = picture[110:150, 110:150].reshape(-1, 3)
        values, counts = np.unique(centre, axis=0, return_counts=True)
        assert np.abs(values[np.argmax(counts)].astype(int) - skin).max() <= 3, (name, values[np.argmax(counts)])
    # a missing reference: one line naming it, the page skipped, exit 1
    proc = subprocess.run(cmd[:-4] + [str(tmp_path / "nope.png")], capture_output=True, text=True, env=user_env(), timeout=600)
    assert proc.returncode == 1 and "nope.png: no such reference picture" in proc.stderr and "Traceback" not in proc.stderr
