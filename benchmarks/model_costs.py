"""Parameters and GFLOPs of every generator preset and both discriminators.

Prints one JSON document; FLOPs are measured by TensorFlow's profiler on the
traced graph (multiply-add = 2 FLOPs) for one image.

    python benchmarks/model_costs.py [--size 256] [--out FILE]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import emit  # noqa: E402  (benchmarks/report.py, beside this script)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out")
    args = parser.parse_args()

    from keras_anime_cyclegan.config import GENERATOR_PRESETS, DiscriminatorConfig
    from keras_anime_cyclegan.models import build_discriminator, build_generator, count_flops

    import dataclasses

    configs = dict(GENERATOR_PRESETS)
    paper = GENERATOR_PRESETS["paper"]
    configs["paper+add_skips"] = dataclasses.replace(paper, skip_mode="add")
    configs["paper+resize_upsampling"] = dataclasses.replace(paper, upsampling="resize")
    rows = {}
    for name, cfg in configs.items():
        model = build_generator(cfg)
        rows[f"generator/{name}"] = {
            "params": model.count_params(),
            "gflops": round(count_flops(model, args.size) / 1e9, 3),
            "config": cfg.__dict__,
        }
    for arch in ("patchgan", "encoder_decoder"):
        model = build_discriminator(DiscriminatorConfig(architecture=arch))
        rows[f"discriminator/{arch}"] = {
            "params": model.count_params(),
            "gflops": round(count_flops(model, args.size) / 1e9, 3),
        }
    emit({"image_size": args.size, "models": rows}, args.out)


if __name__ == "__main__":
    main()
