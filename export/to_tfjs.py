"""Export a generator as a TF.js graph model (model.json + weight shards) with metadata.json.

    python export/to_tfjs.py --model runs/demo --direction colorize --quantize float16 --out exports/tfjs
"""

import argparse
import sys


from keras_anime_cyclegan.artifacts.layout import COLORIZE, DIRECTIONS  # noqa: E402
from keras_anime_cyclegan.cli import run_guarded  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--model", default="pretrained", help="run folder, generator .keras file or pretrained[:NAME] (default: pretrained)"
    )
    p.add_argument("--direction", default=COLORIZE, choices=list(DIRECTIONS))
    p.add_argument("--quantize", default=None, choices=["float16", "uint8"], help="weight quantisation (default: float32 weights)")
    p.add_argument("--out", required=True, help="folder to write model.json, its shards and metadata.json into")
    args = p.parse_args(argv)

    def export():
        from keras_anime_cyclegan.export import export_tfjs
        from keras_anime_cyclegan.artifacts.generators import load_generator

        loaded = load_generator(args.model, args.direction)
        print(export_tfjs(loaded, args.out, quantize=args.quantize))

    return run_guarded(p.prog, export)


if __name__ == "__main__":
    sys.exit(main())
