"""The paint stages: ink, regions, colour sources and compositing, on sketches drawn here."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from keras_anime_cyclegan.inference import Colorizer
from keras_anime_cyclegan.inference.translator import Hinted
from keras_anime_cyclegan.paint import paint
from keras_anime_cyclegan.paint.colours import Hint, Palette, flowed_hints, hint_colours
from keras_anime_cyclegan.paint.ink import find_ink
from keras_anime_cyclegan.paint.regions import area_lines, connected_regions, find_regions, stroke_width


def figure(size=512, grey=0, width=3, gap=0, openings=0, open_left=False, floor=False, band=0, blank=False, hatch=False, tips=0, strip=False,
           to_edges=None, shadow=0.0):
    """A figure on white paper: a big ring (the body) split by a vertical line,
    a small closed eye inside its left half; `gap` px openings in the ring and
    in the split line; `openings` more, 16 px each (at 512), evenly around the
    ring; with `open_left`, the ring's left arc missing over 210 px (at 512);
    with `floor`, a line cutting off the page's bottom left corner (the strip
    it leaves touches an eighth of the border); with `band`, a second ellipse
    `band` px inside the ring (at 512): a thin band all round, which the
    split line cuts in two; lines of `grey` level. With `blank`, a page with
    nothing drawn on it; with `hatch`, thin grey strokes 8 px apart (at 512)
    over the picture's lower part, each from line to line, under the lines;
    with `tips`, light 1 px tips that long reach into the ring's gap from
    each side (as a pen lifts). With `strip`, instead a square split in three
    by two lines 32 px apart (at 512): a narrow strip between two wide areas,
    touching the page only at its two ends. With `to_edges`, the split line
    goes on above and below the ring to that many px from the picture's top
    and bottom edges (0: into them), cutting the page in a left and a right
    half but for those passages. With `shadow`, the page as a phone photographs
    it: lit fully at its left edge, `shadow` darker at its right (a linear fall)."""
    im = Image.new("RGB", (size, size), "white")
    if blank:
        return np.asarray(im).copy()
    if strip:
        s, d = size / 512, ImageDraw.Draw(im)
        d.rectangle((60 * s, 60 * s, 450 * s, 450 * s), outline=(grey,) * 3, width=width)
        for x in (240, 272):
            d.line((x * s, 60 * s, x * s, 450 * s), fill=(grey,) * 3, width=width)
        return np.asarray(im).copy()
    d = ImageDraw.Draw(im)
    s = size / 512
    ink = (grey, grey, grey)
    d.ellipse((60 * s, 60 * s, 450 * s, 450 * s), outline=ink, width=width)
    d.line((255 * s, 62 * s, 255 * s, 448 * s), fill=ink, width=width)
    d.ellipse((150 * s, 200 * s, 180 * s, 218 * s), outline=ink, width=max(1, width - 1))
    if floor:
        d.line((0, 380 * s, 170 * s, 512 * s), fill=ink, width=width)
    if to_edges is not None:
        d.line((255 * s, to_edges, 255 * s, 62 * s), fill=ink, width=width)
        d.line((255 * s, 448 * s, 255 * s, size - 1 - to_edges), fill=ink, width=width)
    if band:
        d.ellipse(((60 + band) * s, (60 + band) * s, (450 - band) * s, (450 - band) * s), outline=ink, width=width)
    a = np.asarray(im).copy()
    if hatch:
        d = ImageDraw.Draw(im)
        for k in range(-300, 512, 8):
            d.line((k * s, 512 * s, (k + 300) * s, 260 * s), fill=(90, 90, 90), width=1)
        a = np.minimum(np.asarray(im), a)  # the figure's lines over the hatching
    if gap:
        a[int(250 * s) : int(250 * s) + gap, int(55 * s) : int(70 * s)] = 255  # left side of the ring
        a[int(300 * s) : int(300 * s) + gap, int(248 * s) : int(262 * s)] = 255  # the split line
        if tips:
            top, x = int(250 * s), int(61 * s)
            a[top : top + tips, x] = 100
            a[top + gap - tips : top + gap, x] = 100
    if open_left:
        a[int(150 * s) : int(360 * s), int(40 * s) : int(110 * s)] = 255
    for k in range(openings):
        t = 2 * np.pi * k / openings
        y, x = int((255 + 195 * np.sin(t)) * s), int((255 + 195 * np.cos(t)) * s)
        a[max(0, y - int(8 * s)) : y + int(8 * s), max(0, x - int(8 * s)) : x + int(8 * s)] = 255
    if shadow:
        light = 1 - shadow * np.arange(size, dtype=np.float32) / (size - 1)
        a = np.round(a * light[None, :, None]).astype(np.uint8)
    return a


OUTSIDE, LEFT, RIGHT, EYE = (20, 20), (350, 120), (350, 380), (209, 165)  # (y, x) at 512


def labels_at(regions, points, size=512):
    return [int(regions.labels[int(y * size / 512), int(x * size / 512)]) for y, x in points]


def test_the_multiscale_fill_closes_gaps_the_connected_method_leaks_through_and_keeps_the_eye():
    sketch = figure(gap=10)
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    outside, left, right, eye = labels_at(regions, [OUTSIDE, LEFT, RIGHT, EYE])
    assert len({outside, left, right, eye}) == 4, "a 10 px gap merged two regions, or the eye was lost"
    assert regions.background[outside] and not regions.background[[left, right, eye]].any()
    plain = connected_regions(ink.mask, gap=2)
    assert len(set(labels_at(plain, [OUTSIDE, LEFT, RIGHT]))) == 1  # what the flats step did before


def test_a_thin_band_the_coarse_levels_cut_into_beads_is_one_region_again():
    """A band 18 px wide along the ring (the brim of a hat, a halo): the coarse
    levels keep it in pieces only, whose labels meet all round it; a passage
    as wide as the band joins them, so each half of the band (the split line
    cuts it) is one region. A gap in a line (10 px, the split line's, between
    areas 190 px wide) still keeps the two halves apart."""
    sketch = figure(band=18, gap=10)
    ink = find_ink(sketch)
    angles = np.linspace(0.1, np.pi - 0.1, 24)
    left_band = [(255 - 186 * np.cos(t), 255 - 186 * np.sin(t)) for t in angles]
    right_band = [(y, 510 - x) for y, x in left_band]
    beads = find_regions(ink.mask, narrowing=None)
    assert len(set(labels_at(beads, left_band))) >= 4, "the case no longer cuts the band into beads"
    regions = find_regions(ink.mask)
    left, right, outside = labels_at(regions, [LEFT, RIGHT, OUTSIDE])
    assert set(labels_at(regions, left_band)) == {labels_at(regions, left_band[:1])[0]}
    assert set(labels_at(regions, right_band)) == {labels_at(regions, right_band[:1])[0]}
    assert len({left, right, outside, labels_at(regions, left_band[:1])[0], labels_at(regions, right_band[:1])[0]}) == 5


def test_thick_strokes_close_wider_gaps_and_thin_ones_close_what_they_did():
    """A pen leaves gaps a few of its widths wide: the figure drawn in 8 px
    strokes (7 px by `stroke_width`) with 16 px gaps leaks onto the page
    with the fill's fixed closing; one more coarsest pixel of ink for its
    width closes them (the eye kept). In 3 px strokes nothing changes."""
    ink = find_ink(figure(width=8, gap=16)).mask
    assert stroke_width(ink) == 7
    fixed = find_regions(ink, thick_lines=False)
    assert len(set(labels_at(fixed, [OUTSIDE, LEFT, RIGHT]))) == 1, "the case no longer leaks without the closing"
    regions = find_regions(ink)
    assert len(set(labels_at(regions, [OUTSIDE, LEFT, RIGHT, EYE]))) == 4
    thin = find_ink(figure(gap=10)).mask
    assert stroke_width(thin) == 3
    assert np.array_equal(find_regions(thin).labels, find_regions(thin, thick_lines=False).labels)


def test_pencil_lines_jpeg_noise_and_a_tinted_scan_are_read_against_their_own_paper():
    pencil = figure(grey=165)  # a light pencil line, 65% of white
    assert len(set(labels_at(find_regions(find_ink(pencil).mask), [OUTSIDE, LEFT, RIGHT, EYE]))) == 4
    buf = io.BytesIO()
    Image.fromarray(pencil).save(buf, "JPEG", quality=60)
    noisy = np.asarray(Image.open(buf).convert("RGB"))
    assert len(set(labels_at(find_regions(find_ink(noisy).mask), [OUTSIDE, LEFT, RIGHT, EYE]))) == 4
    tinted = np.round(figure().astype(np.float32) * np.float32([0.93, 0.88, 0.75])).astype(np.uint8)  # cream paper
    ink = find_ink(tinted)
    np.testing.assert_allclose(ink.paper, [237, 224, 191], atol=2)
    assert not ink.mask[OUTSIDE] and ink.mask[62, 255]


def test_hatching_inside_an_area_does_not_shatter_it():
    sketch = figure()
    im = Image.fromarray(sketch)
    d = ImageDraw.Draw(im)
    for k in range(300, 440, 5):  # short diagonal strokes 5 px apart in the right half
        d.line((k, 250, k - 40, 330), fill=(80, 80, 80), width=1)
    regions = find_regions(find_ink(np.asarray(im)).mask)
    cells = regions.labels[255:325, 270:400]
    sizes = np.bincount(regions.labels.ravel())
    assert (sizes[np.unique(cells)] >= 64).all(), "hatching left specks as regions of their own"
    assert regions.count <= 12


def test_hatching_from_line_to_line_leaves_the_area_and_the_page_whole():
    """Thin grey strokes 8 px apart over the picture's lower part, each from line to line (as
    shading is hatched): taken as lines they would cut the right half and the page into strips.
    They are thinner and lighter than the lines, so both stay whole; a thin black line (the
    eye's) and a grey line as wide as the others still bound areas."""
    im = Image.fromarray(figure(hatch=True))
    ImageDraw.Draw(im).line((100, 120, 255, 120), fill=(90, 90, 90), width=3)  # a grey line across the left half
    ink = find_ink(np.asarray(im))
    for regions in (find_regions(area_lines(ink)), paint(np.asarray(im)).regions):
        right = labels_at(regions, [RIGHT, (300, 300), (420, 300), (380, 380)])
        page = labels_at(regions, [OUTSIDE, (500, 500), (480, 30), (300, 10)])
        assert len(set(right)) == 1 and len(set(page)) == 1, (right, page)
        assert regions.background[page[0]] and not regions.background[right[0]]
        above, below, eye = labels_at(regions, [(100, 200), (150, 120), EYE])
        assert len({above, below, eye, right[0]}) == 4
    assert area_lines(ink).sum() < ink.mask.sum()  # the strokes are still ink (drawn), not lines


def test_two_dots_split_a_hatched_area_across_its_strokes_not_along_them():
    """A red dot above the hatching and a blue one in it, in the right half: the hatching is no
    wall to a dot's growth, so blue takes the hatched part around it, not only the strip between
    two strokes that it landed in (the strips used to alternate red and blue)."""
    red, blue = (220, 0, 0), (0, 0, 220)
    out = paint(figure(hatch=True), hints=[Hint(red, 350.5, 150.5, 4), Hint(blue, 350.5, 400.5, 4)]).image
    hatched = out[330:430, 280:400].reshape(-1, 3)
    assert (hatched == red).all(-1).mean() == 0 and (hatched == blue).all(-1).mean() > 0.6
    assert (out[120:200, 300:400] == red).all(-1).mean() > 0.95


def test_a_lines_light_tapering_ends_at_a_gap_stay_lines():
    """Light 1 px tips of the ring's line reaching 5 px into a 16 px gap from each side: thin and
    light as hatching is, but short, so they stay lines and the 6 px left between them is closed;
    taken as shading, the gap would be 16 px again and the page would leak into the figure."""
    regions = paint(figure(gap=16, tips=5)).regions
    outside, left = labels_at(regions, [OUTSIDE, LEFT])
    assert outside != left
    assert labels_at(paint(figure(gap=16)).regions, [OUTSIDE, LEFT]) == [outside, outside]  # without the tips it leaks


def test_paper_stays_paper_and_each_region_takes_g_s_median():
    sketch = figure(gap=10)
    rng = np.random.default_rng(0)
    g = np.clip(rng.normal(0, 20, (128, 128, 3)) + [200, 150, 60], 0, 255).astype(np.uint8)  # G tints everything
    out = paint(sketch, g).image
    np.testing.assert_array_equal(out[:40, :40], sketch[:40, :40])  # the background: the paper as it was
    body = out[280:340, 140:220].reshape(-1, 3)
    assert (body == body[0]).all() and np.abs(body[0].astype(int) - [200, 150, 60]).max() <= 6


def test_a_dot_colours_the_region_under_it_and_not_across_a_drawn_line():
    """The right half is joined to the dotted left half and to the page by
    lines of one width: the page is as near, so the dot does not reach it."""
    sketch = figure()
    out = paint(sketch, hints=[Hint((20, 200, 40), 120, 350, 4), Hint((250, 220, 200), 165, 209, 1)]).image
    assert tuple(out[350, 120]) == (20, 200, 40) and tuple(out[100, 200]) == (20, 200, 40)  # the whole left half
    assert tuple(out[350, 380]) == (255, 255, 255)  # the right half, across the line, stays paper
    assert tuple(out[209, 165]) == (250, 220, 200)  # the eye, a region of its own, keeps its own dot


def test_a_dot_flows_through_a_gap_into_the_next_region_but_not_across_a_drawn_line():
    """The split line has a 10 px gap: the fill closes it (two regions), and the left
    half's dot flows through it into the right half, over G's colour there. The flow
    alone (`flowed_hints`) does not reach the eye, closed by a drawn line (the dots'
    reach gives it the colour later, over its thinner line); the page stays paper."""
    g = np.full((128, 128, 3), (200, 150, 60), np.uint8)
    sketch = figure(gap=10)
    out = paint(sketch, g, hints=[Hint((20, 200, 40), 120, 350, 4)]).image
    assert tuple(out[350, 120]) == (20, 200, 40) and tuple(out[350, 380]) == (20, 200, 40)
    assert tuple(out[20, 20]) == (255, 255, 255)
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    flowed = flowed_hints(regions, ink, hint_colours(regions, ink, [Hint((20, 200, 40), 120, 350, 4)]))
    left, right, eye = labels_at(regions, [LEFT, RIGHT, EYE])
    assert flowed.known[right] and not flowed.known[eye] and not flowed.known[left]
    # The right half's own dot wins over the flow; each half keeps its dot.
    out = paint(figure(gap=10), g, hints=[Hint((20, 200, 40), 120, 350, 4), Hint((0, 0, 220), 380, 350, 4)]).image
    assert tuple(out[350, 120]) == (20, 200, 40) and tuple(out[350, 380]) == (0, 0, 220)
    # No gap: the drawn line keeps the colour out (G's colour there).
    out = paint(figure(), g, hints=[Hint((20, 200, 40), 120, 350, 4)]).image
    assert tuple(out[350, 380]) == (200, 150, 60)


def test_an_undotted_area_takes_the_dots_colour_over_its_faintest_lines_unless_the_page_is_nearer():
    """The dots' reach (`reached_hints`): a box with a thick (5 px) outline
    is split by a thin (1 px) line; its left part is dotted. Its right
    part (joined to the dot over the thin line, to the page over the thick
    outline) takes the dot's colour; so does a small closed area inside the
    left part. A second box beside it with a thin outline, joined to the
    first by a thick wall, is nearer the page: it keeps G's colour, as does
    a box standing alone. The page stays paper; a dot of its own still wins."""
    s = np.full((300, 600, 3), 255, np.uint8)

    def box(top, left, bottom, right, width):
        s[top : top + width, left:right] = s[bottom - width : bottom, left:right] = 0
        s[top:bottom, left : left + width] = s[top:bottom, right - width : right] = 0

    box(40, 40, 260, 300, 5)
    s[45:255, 170] = 0  # the thin split
    box(100, 80, 130, 110, 1)  # a small closed area inside the left part
    box(60, 295, 240, 400, 1)  # the thin-walled box sharing the thick outline's right side
    s[60:240, 295:300] = 0
    box(60, 450, 240, 560, 5)  # a box standing alone
    g = np.full((150, 300, 3), (200, 150, 60), np.uint8)
    green = (20, 200, 40)
    out = paint(s, g, hints=[Hint(green, 100, 200, 3)]).image
    assert tuple(out[200, 100]) == green and tuple(out[150, 230]) == green and tuple(out[115, 95]) == green
    assert tuple(out[150, 350]) == (200, 150, 60) and tuple(out[150, 500]) == (200, 150, 60)
    assert tuple(out[10, 10]) == (255, 255, 255)
    out = paint(s, g, hints=[Hint(green, 100, 200, 3), Hint((0, 0, 220), 230, 150, 3)]).image
    assert tuple(out[150, 230]) == (0, 0, 220) and tuple(out[200, 100]) == green


def test_a_dot_neither_flows_nor_reaches_through_an_area_a_reference_coloured():
    """Three cells in a row in a thick-walled box, split by thin lines (then by
    lines with gaps): the left cell is dotted. Alone, the dot's colour passes
    through the middle cell into the right one; when another source (a
    reference picture) colours the middle cell, that cell keeps its colour and
    the right one, reached only through it, keeps G's."""
    s = np.full((300, 600, 3), 255, np.uint8)
    s[40:45, 40:560] = s[255:260, 40:560] = 0
    s[40:260, 40:45] = s[40:260, 555:560] = 0
    s[45:255, 220] = s[45:255, 380] = 0
    g = np.full((150, 300, 3), (200, 150, 60), np.uint8)
    green, red = (20, 200, 40), (200, 0, 0)
    for gaps in (False, True):
        if gaps:
            s[140:150, 218:223] = s[140:150, 378:383] = 255
        ink = find_ink(s)
        regions = find_regions(ink.mask)
        left, middle, right = labels_at(regions, [(150, 100), (150, 300), (150, 470)], size=512)
        assert len({left, middle, right}) == 3
        dot = [Hint(green, 150, 100, 3)]
        out = paint(s, g, hints=dot, regions=regions, ink=ink).image
        assert tuple(out[150, 300]) == green and tuple(out[150, 470]) == green
        reference = Palette.empty(regions.count)
        reference.known[middle], reference.colours[middle] = True, red
        out = paint(s, g, hints=dot, sources=[reference], regions=regions, ink=ink).image
        assert tuple(out[150, 100]) == green and tuple(out[150, 300]) == red
        assert tuple(out[150, 470]) == (200, 150, 60), f"gaps={gaps}"


def test_an_undotted_strip_between_two_dotted_areas_takes_their_colour_over_lines_as_dark_as_the_outline():
    """Black 3 px lines everywhere, so the strip meets the page (at its two ends) and the dotted
    areas (along both sides) over lines equally dark: the longer shared line decides, and the
    strip takes the dots' colour (the page used to win such ties)."""
    blue = (40, 60, 220)
    out = paint(figure(strip=True), hints=[Hint(blue, 150.5, 250.5, 4), Hint(blue, 360.5, 250.5, 4)]).image
    assert tuple(out[250, 256]) == blue and tuple(out[20, 20]) == (255, 255, 255)


def test_the_page_cut_off_by_a_floor_line_stays_paper_unless_a_dot_colours_it():
    """A floor line cuts the page's corner off: the corner is not the
    background (it touches an eighth of the border), but it is the page too,
    so G's colour does not tint it; the figure still takes G's colour, and a
    dot in the corner colours it."""
    sketch = figure(floor=True)
    g = np.full((128, 128, 3), (200, 150, 60), np.uint8)
    ink = find_ink(sketch)
    regions = find_regions(ink.mask)
    corner, outside = labels_at(regions, [(500, 20), OUTSIDE])
    assert corner != outside and not regions.background[corner]
    out = paint(sketch, g).image
    assert tuple(out[500, 20]) == (255, 255, 255) and tuple(out[20, 20]) == (255, 255, 255)
    assert tuple(out[350, 120]) == (200, 150, 60) and tuple(out[350, 380]) == (200, 150, 60)
    out = paint(sketch, g, hints=[Hint((90, 160, 230), 30, 490, 3)]).image
    assert tuple(out[500, 20]) == (90, 160, 230) and tuple(out[20, 20]) == (255, 255, 255)


def test_a_dot_on_a_line_goes_to_the_region_it_mostly_covers():
    sketch = figure()
    out = paint(sketch, hints=[Hint((200, 30, 30), 253, 300, 4)]).image  # centred 2 px left of the split line's middle
    assert tuple(out[300, 150]) == (200, 30, 30) and tuple(out[300, 380]) == (255, 255, 255)


def test_two_colours_in_one_region_split_it_instead_of_mixing():
    sketch = figure()
    out = paint(sketch, hints=[Hint((220, 0, 0), 300, 150, 3), Hint((0, 0, 220), 420, 350, 3)]).image
    assert tuple(out[150, 300]) == (220, 0, 0) and tuple(out[350, 420]) == (0, 0, 220)
    right = out[100:400, 270:440].reshape(-1, 3)
    colours = {tuple(c) for c in right if c.min() > 0 or c.max() == 220}
    assert (110, 0, 110) not in colours and (128, 0, 128) not in colours  # no averaged purple


def test_a_dot_on_the_open_background_colours_the_background_only():
    sketch = figure(gap=10)
    out = paint(sketch, hints=[Hint((90, 160, 230), 10, 10, 3)]).image
    assert tuple(out[500, 500]) == (90, 160, 230) and tuple(out[350, 120]) == (255, 255, 255)


def test_two_dots_on_the_open_background_split_the_page_between_them():
    """A sky dot above the figure and a lawn dot below it: the page is split between them
    (as two dots split a region), the figure takes neither."""
    sketch = figure()
    out = paint(sketch, hints=[Hint((90, 160, 230), 256.5, 20.5, 4), Hint((30, 160, 40), 256.5, 495.5, 4)]).image
    sky, lawn = (90, 160, 230), (30, 160, 40)
    assert [tuple(out[y, x]) for y, x in [(20, 20), (20, 490), (150, 20), (150, 500)]] == [sky] * 4
    assert [tuple(out[y, x]) for y, x in [(495, 20), (495, 490), (360, 20), (360, 500)]] == [lawn] * 4
    assert tuple(out[300, 150]) == (255, 255, 255) and tuple(out[300, 380]) == (255, 255, 255)


def test_a_dot_on_the_page_colours_the_page_beyond_a_figure_that_nearly_touches_its_edges():
    """A figure reaching to 2 px of the picture's top and bottom edges: the fill closes those
    passages and cuts the page in two background regions, one page to the eye, so a sky dot on
    one side colours both (flowing through the passages, as dots flow through a gap); where
    the line is drawn into the edges, the other side is another area and stays paper."""
    sky = (90, 160, 230)
    sketch = figure(to_edges=2)
    painting = paint(sketch, hints=[Hint(sky, 20.5, 256.5, 4)])
    left, right = labels_at(painting.regions, [(256, 20), (256, 490)])
    assert left != right and painting.regions.background[left] and painting.regions.background[right]
    out = painting.image
    assert [tuple(out[y, x]) for y, x in [(256, 20), (20, 20), (256, 490), (20, 490), (490, 490)]] == [sky] * 5
    assert tuple(out[350, 120]) == (255, 255, 255) and tuple(out[350, 380]) == (255, 255, 255)  # the figure not
    out = paint(figure(to_edges=0), hints=[Hint(sky, 20.5, 256.5, 4)]).image
    assert tuple(out[256, 20]) == sky and tuple(out[256, 490]) == (255, 255, 255) and tuple(out[20, 490]) == (255, 255, 255)
    # A dot beside the figure's outline is not on the open page (its own side keeps the border's
    # paper), so it has no page colour to pass on.
    out = paint(sketch, hints=[Hint(sky, 50.5, 256.5, 4)]).image
    assert tuple(out[256, 50]) == sky and tuple(out[20, 20]) == (255, 255, 255) and tuple(out[20, 490]) == (255, 255, 255)


def test_a_phone_photo_s_shadow_darkens_neither_the_colours_nor_the_page():
    """Grey lines on a page lit fully at the left, 40% darker at the right (a phone held over
    it): the ink is read against the paper around it, and the compositing divides the shadow out
    too, so the page comes out one paper colour, a dotted area one colour across the shadow, and
    a line in the shadow as dark against its paper as it was drawn."""
    red = (200, 40, 40)
    sketch = figure(grey=120, shadow=0.4)
    painting = paint(sketch, hints=[Hint(red, 380.5, 300.5, 4)])
    out = painting.image.astype(int)
    lit, shaded = out[20, 20], out[20, 490]  # the page at both ends of the shadow
    # The shadow is gone to within the paper level's lag: the level is the brightest tone within
    # 1.5 blocks (48 px), so along a fall of 0.4 over 511 px it reads up to 255 * 0.4 * 48 / 511
    # = 9.6 levels high, and the paper's colour, read through it, as much low (245, not 255).
    # Before: 255 at the lit end, 153 at the shaded one.
    lag = 255 * 0.4 * 48 / 511
    assert np.abs(lit - shaded).max() <= lag and lit.min() >= 255 - lag - 1
    assert np.abs(out[300, 270] - red).max() <= 3 and np.abs(out[300, 420] - red).max() <= 3  # was 10% darker
    # The ring's right side (x = 447-449), in the shadow: its middle against the paper just outside,
    # in the lines multiplied over the flats as in the sketch (the two 20 px apart, where the
    # shadow falls 1.6%; 8-bit rounding of a 78 and a 162 adds under 1%).
    shade = out[255, [448, 468], 0] / painting.flats[255, [448, 468], 0]
    drawn = sketch[255, 448, 0] / sketch[255, 468, 0]
    assert abs(shade[0] / shade[1] - drawn) <= 0.03 and drawn < 0.55


def test_a_page_with_no_ink_is_split_between_its_dots():
    """Nothing drawn: the whole page is open paper (no line anywhere to slow a dot), so two
    dots split it half way, in Python as in the page's paint.js."""
    sketch = figure(size=200, blank=True)
    out = paint(sketch, hints=[Hint((220, 0, 0), 50.5, 100.5, 3), Hint((0, 0, 220), 150.5, 100.5, 3)]).image
    assert (out[:, :95] == (220, 0, 0)).all() and (out[:, 105:] == (0, 0, 220)).all()


def test_a_dot_in_a_figure_whose_outline_has_a_wide_gap_does_not_colour_the_page():
    """A 24 px gap (too wide for the fill, so figure and page are one region):
    the border grows as paper and meets the dot's colour in the gap."""
    sketch = figure(gap=24)
    painting = paint(sketch, hints=[Hint((200, 30, 30), 150, 300, 4)])
    assert painting.regions.labels[20, 20] == painting.regions.labels[300, 150]  # one region...
    out = painting.image
    assert tuple(out[300, 150]) == (200, 30, 30) and tuple(out[100, 200]) == (200, 30, 30)  # ...the figure red
    assert tuple(out[20, 20]) == (255, 255, 255) and tuple(out[500, 500]) == (255, 255, 255)  # the page not


def test_a_dot_in_a_figure_whose_outline_is_more_gap_than_line_does_not_colour_the_page():
    """Twenty 16 px openings around the ring (each under the passes' width, but together a front
    as long as a tenth of the picture): the dot still meets the border's paper in the openings,
    near the ink, not on open paper, so only the figure takes its colour."""
    sketch = figure(openings=20)
    painting = paint(sketch, hints=[Hint((200, 30, 30), 150, 300, 4)])
    assert painting.regions.labels[20, 20] == painting.regions.labels[300, 150]  # one region with the page
    out = painting.image
    assert tuple(out[300, 150]) == (200, 30, 30)
    assert tuple(out[20, 20]) == (255, 255, 255) and tuple(out[500, 500]) == (255, 255, 255) and tuple(out[20, 490]) == (255, 255, 255)


def test_a_dot_in_a_figure_part_open_to_the_page_over_a_long_stretch_does_not_colour_the_page():
    """A quarter of the ring missing (as a thinned or faint line loses it): the left half and the
    page are one region, and the dot's part meets the border's paper over a front longer than
    OPEN_FRONT on open paper, but most of its part's edge is still drawn (the split line, the rest
    of the ring): a figure part, not the background."""
    sketch = figure(open_left=True)  # the ring's left arc gone over 210 px
    painting = paint(sketch, hints=[Hint((200, 30, 30), 160, 300, 4)])
    assert painting.regions.labels[20, 20] == painting.regions.labels[300, 160]  # one region
    out = painting.image
    assert tuple(out[300, 160]) == (200, 30, 30) and tuple(out[120, 200]) == (200, 30, 30)  # the half is red
    assert tuple(out[20, 20]) == (255, 255, 255) and tuple(out[500, 500]) == (255, 255, 255)  # the page is not


@pytest.mark.parametrize(
    "sketch",
    [np.full((64, 64, 3), 255, np.uint8), np.zeros((64, 64, 3), np.uint8), np.full((1, 1, 3), 128, np.uint8)],
    ids=["no ink", "all black", "1x1"],
)
def test_pages_with_nothing_to_fill_come_back_as_they_were(sketch):
    out = paint(sketch, np.full((8, 8, 3), 90, np.uint8), hints=[Hint((255, 0, 0), 0, 0, 2)])
    assert out.image.shape == sketch.shape and out.regions.labels.min() >= 1


def test_colorizer_paints_by_default_and_gives_g_its_own_result_when_asked(tmp_path):
    import keras

    from keras_anime_cyclegan.config import GeneratorConfig
    from keras_anime_cyclegan.models import build_generator

    keras.utils.set_random_seed(0)
    path = tmp_path / "generator_g.keras"
    build_generator(GeneratorConfig(base_filters=8, max_filters=16, levels=2, residual_blocks=1)).save(path)
    sketch = figure(size=128)
    flat = np.asarray(Colorizer.load(path).colorize(sketch))
    raw = np.asarray(Colorizer.load(path, flat=False).colorize(sketch))
    np.testing.assert_array_equal(flat, paint(sketch, raw).image)
    region = flat[70:80, 30:50].reshape(-1, 3)
    assert (region == region[0]).all() and len(np.unique(raw[70:80, 30:50].reshape(-1, 3), axis=0)) > 1
    # Per call, as the README shows it: the call's `flat` wins over the constructor's.
    colorizer = Colorizer.load(path)
    np.testing.assert_array_equal(np.asarray(colorizer.colorize(sketch, flat=False)), raw)
    np.testing.assert_array_equal(np.asarray(colorizer.colorize(sketch)), flat)
    np.testing.assert_array_equal(np.asarray(Colorizer.load(path, flat=False).colorize(sketch, flat=True)), flat)
    both = list(colorizer.colorize_many([sketch, Hinted(sketch, flat=True)], flat=False))
    np.testing.assert_array_equal(np.asarray(both[0]), raw)
    np.testing.assert_array_equal(np.asarray(both[1]), flat)  # a picture's own option wins over the call's


def _recompose(layers_bottom_to_top):
    """Visible layers composited as OpenRaster and Photoshop define normal and
    multiply: out = base (1 - a) + blend(base, layer) a."""
    base = None
    for rgba, mode in layers_bottom_to_top:
        rgba = rgba.astype(np.float64) / 255.0
        colour, a = rgba[..., :3], (rgba[..., 3:] if rgba.shape[-1] == 4 else np.ones(rgba.shape[:2] + (1,)))
        if base is None:
            base = colour * a + (1 - a)  # over white
            continue
        blended = base * colour if mode == "multiply" else colour
        base = base * (1 - a) + blended * a
    return np.round(base * 255)


def test_layers_recompose_the_flat_result_in_ora_psd_and_pngs(tmp_path):
    import xml.etree.ElementTree as ET
    import zipfile

    import keras
    from psd_tools import PSDImage

    from keras_anime_cyclegan.config import GeneratorConfig
    from keras_anime_cyclegan.models import build_generator

    keras.utils.set_random_seed(0)
    path = tmp_path / "generator_g.keras"
    build_generator(GeneratorConfig(base_filters=8, max_filters=16, levels=2, residual_blocks=1)).save(path)
    sketch = figure(size=128, grey=90)  # grey lines: the line layer carries their darkness as opacity
    colorizer = Colorizer.load(path)
    layers = colorizer.colorize(sketch, layers=True)
    flat = np.asarray(layers.image)
    np.testing.assert_array_equal(flat, np.asarray(colorizer.colorize(sketch)))
    raw = np.asarray(Colorizer.load(path, flat=False).colorize(sketch)).astype(np.float64)

    # OpenRaster, read by the spec: a zip whose first entry is the stored mimetype, stack.xml top to bottom.
    layers.save(tmp_path / "x.ora")
    with zipfile.ZipFile(tmp_path / "x.ora") as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"image/openraster"
        stack = [e.attrib for e in ET.fromstring(z.read("stack.xml")).iter("layer")]
        assert [e["name"] for e in stack] == ["lines", "shading", "flats"]
        assert [e["visibility"] for e in stack] == ["visible", "hidden", "visible"]
        assert [e["composite-op"] for e in stack] == ["svg:multiply", "svg:multiply", "svg:src-over"]
        pictures = {e["name"]: np.asarray(Image.open(z.open(e["src"])).convert("RGBA")) for e in stack}
    visible = [(pictures[e["name"]], "multiply" if "multiply" in e["composite-op"] else "normal")
               for e in reversed(stack) if e["visibility"] == "visible"]
    assert np.abs(_recompose(visible) - flat).max() <= 2  # 8-bit rounding of the line layer
    # G's shading over the flats gives G back wherever G is no lighter than the flats.
    shaded = _recompose([(pictures["flats"], "normal"), (pictures["shading"], "multiply")])
    darker = (raw <= np.asarray(pictures["flats"])[..., :3]).all(axis=-1)
    assert darker.mean() > 0.3 and np.abs(shaded - raw)[darker].max() <= 2

    # Photoshop: the same layers, modes and visibility, read back by psd-tools.
    layers.save(tmp_path / "x.psd")
    psd = PSDImage.open(tmp_path / "x.psd")
    assert [(l.name, l.blend_mode.name, l.visible) for l in psd] == [
        ("flats", "NORMAL", True), ("shading", "MULTIPLY", False), ("lines", "MULTIPLY", True)]
    recomposed = _recompose([(np.asarray(l.topil().convert("RGBA")), l.blend_mode.name.lower()) for l in psd if l.visible])
    assert np.abs(recomposed - flat).max() <= 2

    # PNGs: the composite and each layer beside it.
    written = layers.save(tmp_path / "x.png")
    assert [p.name for p in written] == ["x.png", "x.flats.png", "x.lines.png", "x.shading.png"]
    assert Image.open(tmp_path / "x.lines.png").mode == "RGBA"


def test_a_region_too_large_to_split_at_full_size_is_split_coarsely_the_same_way(monkeypatch):
    """Beyond `SPLIT_SIDE` (4096 px) a region's hints grow on a coarser grid; the colours land as at full size."""
    from keras_anime_cyclegan.paint import colours

    sketch = figure(gap=24)
    hints = [Hint((200, 30, 30), 150, 300, 4), Hint((0, 0, 220), 420, 350, 4)]
    full = paint(sketch, hints=hints).image
    monkeypatch.setattr(colours, "SPLIT_SIDE", 128)  # the 512 px picture's regions split 4 times coarser
    coarse = paint(sketch, hints=hints).image
    for y, x in [(300, 150), (350, 420), (20, 20), (500, 500), (100, 200)]:
        assert tuple(coarse[y, x]) == tuple(full[y, x]), (y, x)
    assert (coarse != full).any(axis=-1).mean() < 0.02  # only along the parts' edges
