"""Is there colour beyond the wash in a trained G's features? A chroma-class head on them, trained alone.

    .venv/bin/python experiments/chroma_probe.py --run real-spread48 --crops 3000 --out reports/chroma-probe.json

The wash (#28): G's colours are one orange-brown whatever it colours. The
classification objective of Zhang, Isola and Efros (colour as one of the
chroma grid's cells, rare cells weighted up, decoded by the annealed mean)
is the standard way out, but a head learned inside G's training needs far
more steps than a CPU session gives (`wash-chroma`). This probe asks the
cheaper question first: with G frozen, does a head trained to convergence
on G's own decoder features (the 1/4 level that `generator.chroma_bins`
would read, with the bottleneck's features brought up beside them) give
colours that differ from area to area, and nearer the truth?

1. Draws `--crops` training elements exactly as the run's training does
   (its config: real-sketch traits, synthesised sketches, the unlined
   colour pictures), the hint channels zeroed (the no-hint case is where
   the wash shows), runs the frozen G once per crop and keeps G's features
   and the truth's chroma (averaged over 4 x 4 blocks, as
   `losses.chroma_class_loss` does) at `--positions` random places a crop.
2. Trains heads on those (a 1x1 layer, as `chroma_bins` adds, and a small
   MLP) with the soft-encoded, rebalanced cross-entropy of
   `chroma_class_loss` (its `chroma_targets`, the whole sample as the prior
   instead of a batch).
3. Judges each head on the first `--limit` held-out pairs at 256 px, on
   the artist's lines and on the same lines drawn as real sketches
   (`sketch.real`, seed 0, as `quality.py --real-sketches 0`): G's luma with
   the head's chroma (`ChromaDecode`, the annealed mean at each
   `--temperatures`), and that through the paint stages' flats (the
   product's default); area colour error, hue spread and SSIM, medians and
   means, beside G's own colours and the bare sketch.

Prints JSON (and writes it to `--out`); nothing here changes a run.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def feature_model(run: str):
    import keras

    from keras_anime_cyclegan.artifacts.checkpoint import read_network
    from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE
    from keras_anime_cyclegan.config import ExperimentConfig
    from keras_anime_cyclegan.models.factory import build_generator

    config = ExperimentConfig.load(ROOT / "experiments" / run / CONFIG_FILE)
    g = build_generator(config.generator_config("generator_g"), name="generator_g")
    read_network(ROOT / "experiments" / run / CHECKPOINT, g, "generator_g")
    last = max(int(l.name[len("bottleneck"):].split("_")[0]) for l in g.layers if l.name.startswith("bottleneck"))
    quarter, deep = g.get_layer("fuse2_act").output, g.get_layer(f"bottleneck{last}_add").output
    return config, keras.Model(g.inputs, [quarter, deep, g.output]), g.input_shape[-1]


def features(model, sketches: np.ndarray, channels: int):
    """(N, h/4, w/4, F) features, (N, h, w, 3) G's colours, for sketches (N, h, w, 3) in [-1, 1], no hints."""
    x = np.concatenate([sketches, np.zeros(sketches.shape[:3] + (channels - 3,), np.float32)], -1)
    quarter, deep, rgb = (np.asarray(t) for t in model.predict(x, batch_size=8, verbose=0))
    deep = np.repeat(np.repeat(deep, 2, axis=1), 2, axis=2)
    return np.concatenate([quarter, deep], -1), rgb


def block_chroma(colour: np.ndarray, factor: int = 4) -> np.ndarray:
    """(N, h/f, w/f, 2) Cb, Cr of colours in [-1, 1], averaged over f x f blocks (as `chroma_class_loss` does)."""
    from keras_anime_cyclegan.models.layers import rgb_to_chroma

    chroma = np.asarray(rgb_to_chroma(colour))
    n, h, w, _ = chroma.shape
    return chroma.reshape(n, h // factor, factor, w // factor, factor, 2).mean((2, 4))


def collect(args, config, model, channels):
    from keras_anime_cyclegan.data.pipeline import folder_training_data

    os.chdir(ROOT)  # the config's data folders are relative to the repository root
    data = folder_training_data(config)
    rng = np.random.default_rng(args.seed)
    xs, ys, t = [], [], time.perf_counter()
    for start in range(0, args.crops, 32):
        elements = [data.source.element(k) for k in range(start, min(start + 32, args.crops))]
        sketch = np.stack([e[0][..., :3] for e in elements]).astype(np.float32)
        colour = np.stack([e[1] for e in elements]).astype(np.float32)
        feats, _ = features(model, sketch, channels)
        chroma = block_chroma(colour)
        n, h, w, f = feats.shape
        pick = rng.integers(0, h * w, (n, args.positions))
        xs.append(np.take_along_axis(feats.reshape(n, h * w, f), pick[..., None], 1).reshape(-1, f).astype(np.float16))
        ys.append(np.take_along_axis(chroma.reshape(n, h * w, 2), pick[..., None], 1).reshape(-1, 2))
        print(f"collect {start + n}/{args.crops} ({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    return np.concatenate(xs), np.concatenate(ys), time.perf_counter() - t


def train_head(x, soft, weight, hidden: int, epochs: int, seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    k = soft.shape[1]
    inputs = keras.Input((x.shape[1],))
    h = keras.layers.Normalization()
    h.adapt(x[:50000])
    z = h(inputs)
    if hidden:
        z = keras.layers.Dense(hidden, activation="relu")(z)
        z = keras.layers.Dense(hidden, activation="relu")(z)
    outputs = keras.layers.Dense(k)(z)
    head = keras.Model(inputs, outputs)
    head.compile(keras.optimizers.Adam(1e-3), keras.losses.CategoricalCrossentropy(from_logits=True))
    history = head.fit(x, soft, sample_weight=weight, batch_size=4096, epochs=epochs, verbose=0, validation_split=0.1)
    return head, {k: round(float(v[-1]), 4) for k, v in history.history.items()}


def judge(args, model, channels, heads, bins):
    import keras

    from keras_anime_cyclegan.models.layers import ChromaDecode
    from keras_anime_cyclegan.paint import paint
    from keras_anime_cyclegan.sketch.real import real_sketch
    from keras_anime_cyclegan.utils import metrics as M
    from quality import load_pairs

    names, lines, colours = load_pairs(ROOT / args.pairs, 256, args.limit)  # (an absolute path stays itself)
    real = [real_sketch(l, c, np.random.default_rng([0, k])) for k, (l, c) in enumerate(zip(lines, colours))]
    result = {}
    for label, sketches in (("artist_lines", lines), ("real_sketches", real)):
        x = np.stack(sketches).astype(np.float32) / 127.5 - 1.0
        feats, rgb = features(model, x, channels)
        n, h, w, f = feats.shape
        outputs = {"bare_sketch": list(sketches), "G_own": list(np.uint8(np.round((np.clip(rgb, -1, 1) + 1) * 127.5)))}
        for name, head in heads.items():
            logits = np.asarray(head.predict(feats.reshape(-1, f).astype(np.float16), batch_size=65536, verbose=0))
            logits = logits.reshape(n, h, w, -1)
            for temperature in args.temperatures:
                out = np.asarray(ChromaDecode(bins, temperature, factor=4)([keras.ops.convert_to_tensor(rgb), keras.ops.convert_to_tensor(logits)]))
                outputs[f"{name}_T{temperature}"] = list(np.uint8(np.round((out + 1) * 127.5)))
        rows = {}
        for name, pictures in outputs.items():
            for flat in (False, True) if name != "bare_sketch" else (False,):
                shown = [paint(s, p).image for s, p in zip(sketches, pictures)] if flat else pictures
                shown = [np.asarray(p)[..., :3] for p in shown]
                scores = {
                    "area_colour_error": [M.area_colour_error(p, c) for p, c in zip(shown, colours)],
                    "hue_spread": [M.hue_spread(p) for p in shown],
                    "ssim": [M.ssim(p, c) for p, c in zip(shown, colours)],
                }
                rows[name + ("_flat" if flat else "")] = {
                    k: {"median": round(float(np.median(v)), 4), "mean": round(float(np.mean(v)), 4)} for k, v in scores.items()
                }
                if flat or name == "bare_sketch":
                    rows[name + ("_flat" if flat else "")]["pictures"] = shown
        truth_spread = [M.hue_spread(c) for c in colours]
        rows["truth"] = {"hue_spread": {"median": round(float(np.median(truth_spread)), 4), "mean": round(float(np.mean(truth_spread)), 4)}}
        result[label] = rows
    return names, colours, result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", default="real-spread48", help="the run in experiments/ whose G is probed")
    p.add_argument("--crops", type=int, default=3000, help="training crops drawn (256 px)")
    p.add_argument("--positions", type=int, default=256, help="feature positions kept per crop")
    p.add_argument("--bins", type=int, default=13)
    p.add_argument("--balance", type=float, default=0.5, help="rebalancing: weight 1 / ((1 - b) p + b / K); 1: none")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--temperatures", type=lambda s: [float(v) for v in s.split(",")], default=[0.38])
    p.add_argument("--pairs", default="data/clipart-heldout")
    p.add_argument("--limit", type=int, default=48)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sheet", help="also write a contact sheet (PNG) of the first 8 pictures, real sketches, flats")
    p.add_argument("--out")
    args = p.parse_args()
    # The run's data folders are relative to the repository root, where `collect` works; the outputs are the caller's.
    args.out, args.sheet = (str(Path(v).resolve()) if v else v for v in (args.out, args.sheet))
    args.pairs = str(Path(args.pairs).resolve()) if Path(args.pairs).exists() else args.pairs

    from keras_anime_cyclegan.training.losses import chroma_targets

    config, model, channels = feature_model(args.run)
    x, chroma, seconds = collect(args, config, model, channels)
    # The loss's own targets and weights, with the whole sample (not a batch) as the prior.
    soft, weight = (np.asarray(t, np.float32) for t in chroma_targets(chroma.astype(np.float32), args.bins, args.balance))
    share = soft.mean(0)
    k = soft.shape[1]
    doc = {"run": args.run, "crops": args.crops, "samples": int(len(x)), "collect_seconds": round(seconds), "cells": k,
           "balance": args.balance, "prior_entropy": round(float(-(share * np.log(share + 1e-12)).sum()), 3), "heads": {}}
    heads = {}
    for name, hidden in (("linear", 0), ("mlp128", 128)):
        t = time.perf_counter()
        heads[name], doc["heads"][name] = train_head(x.astype(np.float32), soft, weight, hidden, args.epochs, args.seed)
        doc["heads"][name]["seconds"] = round(time.perf_counter() - t)
        print(f"head {name}: {doc['heads'][name]}", file=sys.stderr, flush=True)
    names, colours, doc["held_out"] = judge(args, model, channels, heads, args.bins)
    if args.sheet:
        from PIL import Image

        rows = doc["held_out"]["real_sketches"]
        columns = ["bare_sketch", "G_own_flat"] + [n for n in rows if n.endswith("_flat") and n != "G_own_flat"]
        cell = 128
        sheet = Image.new("RGB", (cell * (len(columns) + 1), cell * 8), "white")
        for r in range(min(8, len(colours))):
            for c, name in enumerate(columns + ["truth"]):
                pic = colours[r] if name == "truth" else rows[name]["pictures"][r]
                sheet.paste(Image.fromarray(np.uint8(pic)).resize((cell, cell)), (c * cell, r * cell))
        sheet.save(args.sheet)
        doc["sheet"] = {"path": args.sheet, "columns": " | ".join(columns + ["truth"])}
    for rows in doc["held_out"].values():
        for row in rows.values():
            row.pop("pictures", None)
    text = json.dumps(doc, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
