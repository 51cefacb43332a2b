"""Start a run kept here from another run's networks, where the architecture changed.

    .venv/bin/python experiments/warm_start.py clipart-mobile-hint8 --from clipart-mobile
    experiments/train.sh clipart-mobile-hint8          # resumes it later, as any run here

Builds the run `experiments/NAME.json` describes and, before its first step,
gives every layer of its four networks the weights of the same-named layer
of the `--from` run's checkpoint where the shapes agree. Two layers of a
generator whose hints moved (`generator.hint_level`) differ and are mapped:
the stem keeps its kernel for the sketch's 3 channels (the hint channels'
part is dropped), and the new `hint_fuse` 1x1 convolution starts as the
identity on the encoder's features and zero on the hints, so the first step
starts from the old G as it colours without hints. Everything else of the
training state (optimizer, pools, epoch) starts fresh. Prints what it
copied, mapped and left initialised.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the new run: experiments/NAME.json, trained into experiments/NAME")
    parser.add_argument("--from", dest="source", required=True, help="the run whose checkpoint gives the weights")
    args = parser.parse_args()

    import keras

    from keras_anime_cyclegan.artifacts.checkpoint import read_network
    from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE, NETWORKS
    from keras_anime_cyclegan.config import ExperimentConfig
    from keras_anime_cyclegan.models.factory import build_discriminator, build_generator
    from keras_anime_cyclegan.training.run import train

    run_dir, source = ROOT / "experiments" / args.name, ROOT / "experiments" / args.source
    if (run_dir / CHECKPOINT).exists():
        raise SystemExit(f"warm_start.py: error: {run_dir} already has a checkpoint; resume it with experiments/train.sh")
    config = ExperimentConfig.load(ROOT / "experiments" / f"{args.name}.json")
    old = ExperimentConfig.load(source / CONFIG_FILE)
    old_networks = {}
    for name in NETWORKS:
        net = (build_generator(old.generator_config(name), name=name) if name.startswith("generator")
               else build_discriminator(old.discriminator, name=name))
        read_network(source / CHECKPOINT, net, name)
        old_networks[name] = net

    class WarmStart(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            if int(self.model.optimizer.iterations.numpy()):
                return  # a resumed run keeps its own weights
            for name in NETWORKS:
                copy_weights(old_networks[name], getattr(self.model, name), name)

    try:
        train(config, run_dir, callbacks=[WarmStart()])
    except KeyboardInterrupt:  # gpu.py's clock, or Ctrl-C: the last completed epoch's checkpoint stays
        raise SystemExit("warm_start.py: interrupted; experiments/train.sh resumes the run") from None


def copy_weights(old, new, label: str) -> None:
    before = {layer.name: layer for layer in old.layers if layer.weights}
    copied, mapped, fresh = [], [], []
    for layer in new.layers:
        if not layer.weights:
            continue
        source = before.get(layer.name)
        shapes = [tuple(w.shape) for w in layer.weights]
        if source is not None and [tuple(w.shape) for w in source.weights] == shapes:
            layer.set_weights(source.get_weights())
            copied.append(layer.name)
        elif source is not None and layer.name == "stem_conv":
            kernel, *rest = source.get_weights()
            layer.set_weights([kernel[:, :, : shapes[0][2]], *rest])  # the sketch's channels come first
            mapped.append(layer.name)
        elif layer.name == "hint_fuse":
            kernel = np.zeros(shapes[0], np.float32)
            features = shapes[0][3]
            kernel[0, 0, :features, :] = np.eye(features, dtype=np.float32)  # features through, hints at 0
            layer.set_weights([kernel, np.zeros(shapes[1], np.float32)])
            mapped.append(layer.name)
        else:
            fresh.append(layer.name)
    print(f"{label}: {len(copied)} layers copied, mapped {mapped or 'none'}, initialised {fresh or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main()
