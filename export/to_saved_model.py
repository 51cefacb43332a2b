"""Export a generator as a SavedModel (uint8 any-size + float32 signatures) with metadata.json.

    python export/to_saved_model.py --model runs/demo --direction colorize --out exports/saved_model
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
    p.add_argument("--out", required=True, help="SavedModel folder to write")
    args = p.parse_args(argv)

    def export():
        from keras_anime_cyclegan.export import export_saved_model
        from keras_anime_cyclegan.artifacts.generators import load_generator

        print(export_saved_model(load_generator(args.model, args.direction), args.out))

    return run_guarded(p.prog, export)


if __name__ == "__main__":
    sys.exit(main())
