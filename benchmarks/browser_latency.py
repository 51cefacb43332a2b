"""The model's latency in a real browser: the page's own timing, warm runs, per model.

Each model (a generator preset with random weights, `report.as_if_trained`;
"pretrained", the shipped G with its hint spread; a run folder) is exported to TF.js float32
as `make web` exports it, served with the built page (web_demo), and run by
Debian's Chromium (headless, no GPU: TF.js on WASM) on a 256x256 sketch at
the model size, `--runs` times on one page; the page's "model N ms" of the
runs after the first (which includes the backend's warm-up) give the median.
A model that takes hints runs a second time on a new page with one dot
tapped on the sketch before the timed runs ("hints": 1): the page's model
time then includes the hint spread the page does in JavaScript for a model
exported without it (web_demo/src/spread.js).
Needs `make web-deps`. Prints one JSON document.

    python benchmarks/browser_latency.py --models mobile pretrained experiments/clipart-mobile-hint8 --runs 6
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import as_if_trained, emit  # noqa: E402  (benchmarks/report.py, beside this script)

ROOT = Path(__file__).resolve().parents[1]
WEB_DEMO = ROOT / "web_demo"
TIMING = re.compile(r"model (\d+) ms on (\S+?)[,)]")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mobile", "pretrained"],
                        help="generator presets, pretrained, run folders")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--out")
    args = parser.parse_args()

    from PIL import Image

    from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, load_generator, weights_sha256
    from keras_anime_cyclegan.config import GENERATOR_PRESETS
    from keras_anime_cyclegan.data.synthetic import synthetic_sample
    from keras_anime_cyclegan.export.tfjs import export_tfjs
    from keras_anime_cyclegan.models.factory import build_generator, resolve_generator

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site, out = root / "site", root / "out"
        out.mkdir()
        subprocess.run(["node", "build.mjs", "--outdir", str(site)], cwd=WEB_DEMO, check=True, capture_output=True)
        picture = root / "sketch.png"
        Image.fromarray(synthetic_sample(args.size, args.size, seed=0).lines).save(picture)
        cases, hints = [], {}
        for i, name in enumerate(args.models):
            folder = f"models-{i}/"
            for direction in ("colorize", "lines"):
                if name in GENERATOR_PRESETS:
                    config = GENERATOR_PRESETS[name]
                    model = as_if_trained(build_generator(config, name="generator_g" if direction == "colorize" else "generator_f"))
                    loaded = LoadedGenerator(model, direction, resolve_generator(config), weights_sha256(model), Path(name))
                else:
                    loaded = load_generator(name, direction)
                export_tfjs(loaded, site / folder / direction)
                if direction == "colorize":
                    hints[name] = loaded.hint_channels
            cases.append({"name": f"model{i}", "file": str(picture), "direction": "colorize", "size": str(args.size),
                          "models": folder, "repeat": args.runs})
            if hints[name]:
                cases.append({**cases[-1], "name": f"model{i}-hint", "hint": {"x": 0.5, "y": 0.3, "colour": "#14c828"}})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        plan = {"url": f"http://127.0.0.1:{server.server_address[1]}/", "out": str(out), "chromium": chromium,
                "cases": cases, "casesOnly": True}
        (root / "plan.json").write_text(json.dumps(plan))
        try:
            subprocess.run(["node", "tests/browser_check.mjs", str(root / "plan.json")], cwd=WEB_DEMO, check=True,
                           capture_output=True, timeout=1800)
        finally:
            server.shutdown()
        results = json.loads((out / "results.json").read_text())
        for case in cases:
            name = args.models[int(case["name"][5:].split("-")[0])]
            record = results["cases"][case["name"]]
            times = [TIMING.search(t) for t in record.get("timings", [])]
            if not times or not all(times):
                rows.append({"model": name, "error": record.get("error") or record.get("state")})
                continue
            # With a hint, the first timing is the run before the tap: every later one has the dot.
            warm = [int(m.group(1)) for m in times[1:]]
            rows.append({"model": name, "hint_channels": hints[name], "hints": 1 if "hint" in case else 0,
                         "backend": times[0].group(2), "first_run_ms": int(times[0].group(1)),
                         "warm_median_ms": statistics.median(warm), "warm_runs_ms": warm})
    emit({"benchmark": "browser_latency", "size": args.size, "machine": {"cpu_count": os.cpu_count()}, "rows": rows},
         args.out)


if __name__ == "__main__":
    main()
