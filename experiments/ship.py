"""Copies a run's generators into the package as a shipped model.

    python experiments/ship.py experiments/clipart-mobile --name clipart-mobile \
        --quality reports/clipart-mobile/quality.json --cpu-hours 5.1

writes keras_anime_cyclegan/pretrained/NAME/{generator_g,generator_f}.keras
(float32, as `load_generator` reads the run's checkpoint) and model.json:
the run's config, epochs and steps trained, and the quality figures. The
files overwrite the previous ones, so git keeps one copy per commit.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", help="run folder (config.json + checkpoints/last.npz)")
    p.add_argument("--name", required=True, help="name of the shipped model (a key of pretrained.PRETRAINED)")
    p.add_argument("--quality", help="quality.json of benchmarks/quality.py for this run")
    p.add_argument("--cpu-hours", type=float, help="CPU time spent training (2 cores x wall hours)")
    p.add_argument("--notes", default="", help="one paragraph: how the run went (objective changes and so on)")
    args = p.parse_args(argv)

    from keras_anime_cyclegan.artifacts.pretrained import FILES, HERE
    from keras_anime_cyclegan.artifacts.generators import load_generator

    run = Path(args.run).resolve()
    folder = HERE / args.name
    folder.mkdir(parents=True, exist_ok=True)
    shas = {}
    for direction, filename in FILES.items():
        loaded = load_generator(run, direction)
        loaded.model.save(folder / filename)
        shas[direction] = loaded.weights_sha256
    import numpy as np

    from keras_anime_cyclegan.artifacts.layout import CHECKPOINT

    config = json.loads((run / "config.json").read_text())
    with np.load(run / CHECKPOINT) as checkpoint:
        epochs = int(checkpoint["epoch"])
    info = {
        "name": args.name,
        "run": str(run.relative_to(ROOT) if run.resolve().is_relative_to(ROOT) else run),
        "epochs": epochs,
        "steps": epochs * int(config["steps_per_epoch"]),
        "images_seen": epochs * int(config["steps_per_epoch"]) * int(config["batch_size"]),
        "cpu_hours": args.cpu_hours,
        "notes": args.notes,
        "weights_sha256": shas,
        "config": config,
    }
    if args.quality:
        quality = json.loads(Path(args.quality).read_text())
        info["quality"] = {
            "pairs": quality["count"],
            "size": quality["size"],
            "model": next(iter(quality["models"].values())),
            "baselines": quality["baselines"],
        }
    (folder / "model.json").write_text(json.dumps(info, indent=2) + "\n")
    for f in sorted(folder.iterdir()):
        print(f"{f.relative_to(ROOT)}: {f.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
