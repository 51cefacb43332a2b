"""Artist line-art pairs from SVG (`kac data svg-pairs`) and the quality benchmark, on tiny SVGs written here."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from keras_anime_cyclegan.data.pair_filter import PairFilter
from keras_anime_cyclegan.data.svg_pairs import held_out_authors, svg_pairs
from keras_anime_cyclegan.data.svg_render import render_pair

ROOT = Path(__file__).resolve().parents[1]
HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100" width="100" height="100">'
META = (
    '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cc="http://web.resource.org/cc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><cc:Work><dc:creator><cc:Agent><dc:title>{author}</dc:title></cc:Agent>'
    '</dc:creator><cc:license rdf:resource="http://web.resource.org/cc/PublicDomain"/></cc:Work></rdf:RDF></metadata>'
)
SVGS = {
    # A red disc with a thick black outline: lines = the ring.
    "stroked": HEAD + META.format(author="Ann") + '<circle cx="50" cy="50" r="35" fill="#d02020" stroke="#000" stroke-width="6"/></svg>',
    # A black square covered by a blue one of the same size, outlined: the covered black must not show.
    "covered": HEAD + META.format(author="Bob") + '<rect x="20" y="20" width="60" height="60" fill="black"/>'
    '<rect x="20" y="20" width="60" height="60" style="fill:#3060e0;stroke:#111;stroke-width:5"/></svg>',
    # A gradient fill (light stops: white in the line render) and a dark-gradient stroke (ink).
    "gradient": HEAD + META.format(author="Cy") + '<defs><linearGradient id="g"><stop offset="0" stop-color="#ffe080"/>'
    '<stop offset="1" stop-color="#f08040"/></linearGradient><linearGradient id="d"><stop offset="0" stop-color="#000"/>'
    '<stop offset="1" stop-color="#303030"/></linearGradient></defs>'
    '<ellipse cx="50" cy="50" rx="40" ry="25" fill="url(#g)" stroke="url(#d)" stroke-width="5"/></svg>',
    "broken": HEAD + '<circle cx="50" cy="50" r="35"',
    "external": HEAD + '<image xlink:href="http://example.com/a.png" width="10" height="10"/></svg>',
}


@pytest.fixture(scope="module")
def svg_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("svgs")
    for name, text in SVGS.items():
        (d / f"{name}.svg").write_text(text)
    return d


def test_line_render_keeps_strokes_aligns_with_colour_and_hides_covered_black(svg_dir):
    colour, lines, figure, author, licence = render_pair(svg_dir / "stroked.svg", size=64)
    assert colour.shape == (64, 64, 3) and lines.shape == (64, 64, 3)
    assert author == "Ann" and licence.endswith("PublicDomain")
    ink = lines[..., 0] < 128
    red = (colour[..., 0] > 150) & (colour[..., 1] < 80)
    # Aligned: the ring of ink surrounds the red disc, and no ink lies on the disc's inside.
    assert ink.any() and red.any()
    assert not (ink & red).any()
    ys, xs = np.nonzero(ink)
    ry, rx = np.nonzero(red)
    assert abs(ys.mean() - ry.mean()) < 1.5 and abs(xs.mean() - rx.mean()) < 1.5
    assert ys.min() < ry.min() and ys.max() > ry.max()

    colour, lines, _, _, _ = render_pair(svg_dir / "covered.svg", size=64)
    ink = lines[..., 0] < 128
    blue = (colour[..., 2] > 150) & (colour[..., 0] < 100)
    assert blue.sum() > 0.15 * blue.size
    # Inside the blue square: white in the line render, although a black square lies beneath it.
    assert (ink & blue).sum() < 0.02 * blue.sum()
    assert ink.sum() > 0  # the outline


def test_gradients_count_by_their_stops(svg_dir):
    colour, lines, _, _, _ = render_pair(svg_dir / "gradient.svg", size=64)
    ink = lines[..., 0] < 128
    warm = (colour[..., 0] > 200) & (colour[..., 2] < 160)
    assert warm.sum() > 0.2 * warm.size  # the gradient rendered in colour
    assert ink.any() and not (ink & warm).sum() > 0.02 * warm.sum()


def test_manifest_keeps_rejects_with_reasons_and_reruns_skip(svg_dir, tmp_path):
    out = tmp_path / "pairs"
    loose = PairFilter(min_ink=0.001, min_ink_near_edges=0.0, min_outline_inked=0.0, min_coloured=0.0, min_edges_with_line=0.0)
    records = svg_pairs([svg_dir], out, size=48, workers=1, rules=loose, progress=False)
    by = {Path(r.source).stem: r for r in records}
    assert {n for n, r in by.items() if r.status == "kept"} == {"stroked", "covered", "gradient"}
    assert "not parseable" in by["broken"].reason
    assert "external reference" in by["external"].reason
    for name in ("stroked", "covered", "gradient"):
        assert Image.open(out / "colors" / f"{name}.png").size == (48, 48)
        assert Image.open(out / "lines" / f"{name}.png").size == (48, 48)
    rows = list(csv.DictReader(open(out / "manifest.csv")))
    assert len(rows) == 5
    assert all(r["reason"] for r in rows if r["status"] == "rejected")
    assert {r["author"] for r in rows if r["status"] == "kept"} == {"Ann", "Bob", "Cy"}
    assert all(float(r["ink_fraction"]) > 0 for r in rows if r["status"] == "kept")
    # A re-run renders nothing new and keeps every row.
    again = svg_pairs([svg_dir], out, size=48, workers=1, rules=loose, progress=False)
    assert len(again) == 5 and len(list(csv.DictReader(open(out / "manifest.csv")))) == 5
    # The default filter rejects a lone thin ring (too little ink at 48 px) with its figure in the reason.
    strict = svg_pairs([svg_dir / "stroked.svg"], tmp_path / "strict", size=48, workers=1, progress=False)
    assert strict[0].status == "kept" or "%" in strict[0].reason


def test_held_out_split_takes_whole_authors_and_about_the_fraction_of_pairs():
    # One prolific artist (300 pairs), 100 artists with 2 pairs each, 50 pairs without an author.
    pairs = ["prolific"] * 300 + [f"artist {i}" for i in range(100) for _ in range(2)] + [""] * 50
    chosen = held_out_authors(pairs, 0.15)
    held = sum(a in chosen for a in pairs)
    assert "prolific" not in chosen and "" not in chosen
    assert 0.13 * len(pairs) <= held <= 0.15 * len(pairs)
    assert held_out_authors(list(reversed(pairs)), 0.15) == chosen  # stable: by name, not by order


@pytest.mark.slow
def test_kac_data_svg_pairs_and_quality_benchmark_end_to_end(svg_dir, tmp_path):
    from keras_anime_cyclegan.training.run import train
    from tests.helpers import tiny_config

    out = tmp_path / "clipart"
    cli = subprocess.run(
        [sys.executable, "-m", "keras_anime_cyclegan", "data", "svg-pairs", "--input", str(svg_dir),
         "--out", str(out), "--size", "32", "--workers", "2"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert "5 SVGs:" in cli.stdout
    # Three pairs for the benchmark, whatever the default filter kept.
    pairs = tmp_path / "heldout"
    svg_pairs([svg_dir], pairs, size=32, workers=1, progress=False,
              rules=PairFilter(min_ink=0.0, min_ink_near_edges=0, min_outline_inked=0, min_coloured=0, min_edges_with_line=0))
    run = tmp_path / "run"
    train(tiny_config(epochs=1), run, verbose=0)
    report = tmp_path / "report"
    bench = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "quality.py"), "--model", str(run), "--pairs", str(pairs),
         "--out", str(report), "--size", "32"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert bench.returncode == 0, bench.stderr
    doc = json.loads((report / "quality.json").read_text())
    assert doc["count"] == 3
    model = doc["models"]["run"]
    for key in ("ssim", "psnr_db", "area_colour_error", "area_colourfulness_ratio", "hue_spread"):
        assert np.isfinite(model["G_artist_lines"]["median"][key])
    assert 0 <= model["F"]["median"]["ink_precision"] <= 1
    # The colour picture as "lines" leaves colour on the paper; the true lines would leave none.
    assert doc["baselines"]["identity"]["F"]["median"]["paper_residue"] > 0.05
    # Identity has no colour: zero colourfulness and hue spread.
    assert doc["baselines"]["identity"]["G_artist_lines"]["median"]["hue_spread"] == 0
    # The truth row scores the colour pictures themselves: no error, their own colourfulness.
    truth = doc["baselines"]["truth"]["G"]["median"]
    assert truth["area_colour_error"] == 0 and truth["ssim"] > 0.99 and truth["area_colourfulness_ratio"] == 1
    sheet = Image.open(report / "run.png")
    assert sheet.size == (6 * 128, 3 * 128)  # line art | G's own | G flat | colour | F | true lines
    for key in ("ssim", "area_colour_error"):
        assert np.isfinite(model["G_artist_lines_no_flats"]["median"][key])


def test_fragment_renders_one_element(tmp_path):
    """`file.svg#id` (KTuberling keeps many stickers in one SVG) renders only that element."""
    svg = tmp_path / "stickers.svg"
    svg.write_text(
        HEAD + '<g id="all"><circle id="left" cx="25" cy="50" r="15" fill="#20a020" stroke="#000" stroke-width="3"/>'
        '<rect id="right" x="60" y="35" width="30" height="30" fill="#2020c0" stroke="#000" stroke-width="3"/></g></svg>'
    )
    colour, _, _, _, _ = render_pair(svg, size=32, element="left")
    green = (colour[..., 1] > 120) & (colour[..., 0] < 100)
    blue = (colour[..., 2] > 120) & (colour[..., 0] < 100) & (colour[..., 1] < 100)
    assert green.sum() > 50 and blue.sum() == 0
    records = svg_pairs([f"{svg}#right"], tmp_path / "out", size=32, workers=1, progress=False,
                        rules=PairFilter(min_ink=0, min_ink_near_edges=0, min_outline_inked=0, min_coloured=0, min_edges_with_line=0))
    assert records[0].element == "right" and records[0].name == "stickers__right", records[0]
    assert records[0].status == "kept", records[0].reason
    assert (tmp_path / "out" / "colors" / "stickers__right.png").exists()


def test_svgz_and_ktuberling_theme_expand_to_one_entry_per_sticker(tmp_path):
    import gzip

    from keras_anime_cyclegan.data.svg_pairs import find_svgs

    board = HEAD + '<circle id="eye" cx="25" cy="50" r="15" fill="#20a020" stroke="#000" stroke-width="3"/>' \
        '<rect id="nose" x="60" y="35" width="30" height="30" fill="#c02020" stroke="#000" stroke-width="3"/></svg>'
    (tmp_path / "board.svgz").write_bytes(gzip.compress(board.encode()))
    (tmp_path / "game.theme").write_text('<playground gameboard="board.svgz"><object name="eye"/><object name="nose"/></playground>')
    entries = find_svgs([tmp_path / "game.theme"])
    assert [(Path(f).name, e) for f, e, _ in entries] == [("board.svgz", "eye"), ("board.svgz", "nose")]
    assert [Path(f).name for f, _, _ in find_svgs([tmp_path])] == ["board.svgz"]
    colour, _, _, _, _ = render_pair(tmp_path / "board.svgz", size=32, element="nose")
    assert ((colour[..., 0] > 150) & (colour[..., 1] < 80)).sum() > 50  # red nose
    assert not ((colour[..., 1] > 120) & (colour[..., 0] < 100)).any()  # no green eye


def test_paper_residue_sees_a_faded_copy_that_ink_scores_miss():
    from keras_anime_cyclegan.utils.metrics import ink_precision_recall, paper_residue

    lines = np.full((32, 32, 3), 255, np.uint8)
    lines[10:12, 4:28] = 0
    faded = lines.copy()
    faded[14:30, 4:28] = (200, 170, 120)  # pale colour left on the paper
    assert paper_residue(lines, lines) == 0.0
    assert ink_precision_recall(faded, lines) == ink_precision_recall(lines, lines) == (1.0, 1.0)
    assert paper_residue(faded, lines) > 0.1


def test_excluded_licences_are_rejected_with_the_licence_named(svg_dir, tmp_path):
    gpl = tmp_path / "gpl"
    gpl.mkdir()
    (gpl / "gpl.svg").write_text(SVGS["stroked"].replace("http://web.resource.org/cc/PublicDomain",
                                                        "http://creativecommons.org/licenses/GPL/2.0/"))
    (gpl / "pd.svg").write_text(SVGS["covered"])
    loose = PairFilter(min_ink=0.001, min_ink_near_edges=0.0, min_outline_inked=0.0, min_coloured=0.0, min_edges_with_line=0.0)
    records = svg_pairs([gpl], tmp_path / "out", size=48, workers=1, rules=loose, progress=False, exclude_licenses=["gpl"])
    by = {Path(r.source).stem: r for r in records}
    assert by["pd"].status == "kept"
    assert by["gpl"].status == "rejected" and by["gpl"].reason == "licence http://creativecommons.org/licenses/GPL/2.0/ excluded"
    assert not (tmp_path / "out" / "colors" / "gpl.png").exists()


def test_svg_colours_takes_pictures_rejected_for_their_lines_only(svg_dir, tmp_path):
    from keras_anime_cyclegan.data.svg_colours import candidates, svg_colours

    # No outline at all: rejected by the pair filter for its ink, a good colour picture all the same.
    flat = HEAD + META.format(author="Dee") + '<rect x="10" y="30" width="80" height="40" fill="#20a040"/></svg>'
    svgs = tmp_path / "svgs"
    svgs.mkdir()
    for name in ("stroked", "broken"):
        (svgs / f"{name}.svg").write_text(SVGS[name])
    (svgs / "flat.svg").write_text(flat)
    (svgs / "flat_copy.svg").write_text(flat)  # a near-duplicate of it
    pairs = tmp_path / "pairs"
    svg_pairs([svgs], pairs, size=48, workers=1, progress=False)
    reasons = {Path(r["source"]).stem: r["reason"] for r in csv.DictReader(open(pairs / "manifest.csv"))}
    assert reasons["flat"].startswith("ink covers 0.0%")
    counts = svg_colours(pairs, tmp_path / "colours", workers=1, progress=False)
    made = sorted(p.stem for p in (tmp_path / "colours" / "colors").glob("*.png"))
    assert len(made) == 1 and made[0].startswith("flat")  # one of the two copies; not the broken file
    assert counts == {"kept": 1, "rejected": 1}
    rows = {r["name"]: r for r in csv.DictReader(open(tmp_path / "colours" / "manifest.csv"))}
    assert any(r["reason"] == "near-duplicate of a kept picture" for r in rows.values())
    assert Image.open(tmp_path / "colours" / "colors" / f"{made[0]}.png").size == (48, 48)
    # Authors of the held-out split, grey figures and excluded licences stay out, each with its reason.
    base = {"status": "rejected", "reason": "ink covers 0.0% of the picture (want 2%-25%)", "coloured_fraction": "0.9",
            "license": "PD", "split": ""}
    rows = [dict(base, author="Ann"), dict(base, author="Bob", coloured_fraction="0.05"),
            dict(base, author="Cy", license="GPL-2"), dict(base, author="Held"),
            dict(base, author="Held", status="kept", reason="", split="heldout"),
            dict(base, author="Eve", reason="empty render")]
    chosen, left = candidates(rows, exclude_licenses=["gpl"])
    assert [r["author"] for r in chosen] == ["Ann"]
    assert sorted(why.split(" ")[0] for _, why in left) == ["an", "licence", "only"]
