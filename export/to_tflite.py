"""Export a generator as a TFLite file (float32, float16, dynamic or int8) with metadata.json.

    python export/to_tflite.py --model runs/demo --direction colorize --quantize int8 --size 256 --out exports/int8
"""

import argparse
import sys


from keras_anime_cyclegan.artifacts.layout import COLORIZE, DIRECTIONS  # noqa: E402
from keras_anime_cyclegan.cli import run_guarded  # noqa: E402


def size_arg(text: str):
    return None if text == "dynamic" else int(text)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--model", default="pretrained", help="run folder, generator .keras file or pretrained[:NAME] (default: pretrained)"
    )
    p.add_argument("--direction", default=COLORIZE, choices=list(DIRECTIONS))
    p.add_argument("--quantize", default="float32", choices=["float32", "float16", "dynamic", "int8"])
    p.add_argument("--size", type=size_arg, default=256, help='input height and width, or "dynamic" for any size')
    p.add_argument("--out", required=True, help="folder (gets model.tflite + metadata.json) or a .tflite path")
    args = p.parse_args(argv)

    def export():
        from keras_anime_cyclegan.export import export_tflite
        from keras_anime_cyclegan.artifacts.generators import load_generator

        loaded = load_generator(args.model, args.direction)
        print(export_tflite(loaded, args.out, quantize=args.quantize, size=args.size))

    return run_guarded(p.prog, export)


if __name__ == "__main__":
    sys.exit(main())
