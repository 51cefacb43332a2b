"""Export a generator as a TF.js graph model (model.json + weight shards) with metadata.json.

    python export/to_tfjs.py --model runs/demo --direction colorize --quantize float16 --out exports/tfjs
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="run folder or generator .keras file")
    p.add_argument("--direction", default="colorize", choices=["colorize", "lines"])
    p.add_argument("--quantize", default=None, choices=["float16", "uint8"], help="weight quantisation (default: float32 weights)")
    p.add_argument("--out", required=True, help="folder to write model.json, its shards and metadata.json into")
    args = p.parse_args(argv)
    try:
        from keras_anime_cyclegan.export import export_tfjs
        from keras_anime_cyclegan.training.loading import load_generator

        loaded = load_generator(args.model, args.direction)
        print(export_tfjs(loaded, args.out, quantize=args.quantize))
    except (FileNotFoundError, ValueError) as e:
        print(f"{p.prog}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
