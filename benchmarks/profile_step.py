"""Where a CycleGAN train step's time goes: forward, backward, optimizer, pool.

Times compiled functions that do a growing part of `CycleGAN.train_step`
on one fixed batch (median of timed calls after warm-up), so the
differences are the cost of each phase:

    forward          compute_losses (4 generator passes + 2 identity, 6 discriminator passes, pools)
    + gradients      the two backward passes of the TensorFlow step, gradients returned unused
    train_step       + four Adam updates and the loss trackers (the real step)

Also checks that the traced step has no host round trip (no py_function,
no print, no host-side op in the graph) and reports the generator's share
of the step's FLOPs and the achieved GFLOP/s. Prints one JSON document.

    python benchmarks/profile_step.py --preset demo --size 128 --batch 4 --xla on
"""

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import emit, train_step_gflop  # noqa: E402  (benchmarks/report.py, beside this script)

HOST_OPS = {"PyFunc", "EagerPyFunc", "PyFuncStateless", "PrintV2", "Print", "_HostSend", "_HostRecv"}


def median_seconds(fn, args, steps, warmup):
    for _ in range(warmup):
        _wait(fn(*args))
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        _wait(fn(*args))
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _wait(result):
    import tensorflow as tf

    for t in tf.nest.flatten(result):
        t.numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--xla", choices=["off", "on"], default="on")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out")
    args = parser.parse_args()

    import keras
    import numpy as np
    import tensorflow as tf

    from keras_anime_cyclegan.config import preset
    from keras_anime_cyclegan.models import count_flops
    from keras_anime_cyclegan.training.run import build_model

    xla = args.xla == "on"
    keras.utils.set_random_seed(0)
    config = preset(args.preset, image_size=args.size, batch_size=args.batch, jit_compile=xla)
    model = build_model(config)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.uniform(-1, 1, (args.batch, args.size, args.size, 3)).astype("float32"))
    y = tf.constant(rng.uniform(-1, 1, (args.batch, args.size, args.size, 3)).astype("float32"))

    def forward(x, y):
        terms = model.compute_losses(x, y, training=True)
        return model.objectives(terms)

    def gradients(x, y):
        with tf.GradientTape(persistent=True) as tape:
            objectives = forward(x, y)
        grads = [tape.gradient(o, model.group_variables(g)) for g, o in objectives.items()]
        return objectives, [tf.add_n([tf.reduce_sum(g) for g in gs]) for gs in grads]

    def step(x, y):
        return model.train_step((x, y))

    rows = {}
    for name, fn in (("forward", forward), ("forward_and_gradients", gradients), ("train_step", step)):
        compiled = tf.function(fn, jit_compile=xla)
        rows[name] = median_seconds(compiled, (x, y), args.steps, args.warmup)

    graph_def = tf.function(step).get_concrete_function(x, y).graph.as_graph_def()
    op_types = {node.op for node in graph_def.node}
    op_types |= {node.op for fn in graph_def.library.function for node in fn.node_def}
    gen_gflops = count_flops(model.generator_g, args.size) / 1e9
    disc_gflops = count_flops(model.discriminator_y, args.size) / 1e9
    step_gflop = train_step_gflop(gen_gflops, disc_gflops, args.batch)
    step_s = rows["train_step"]
    doc = {
        "benchmark": "profile_step",
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "preset": args.preset,
        "image_size": args.size,
        "batch": args.batch,
        "xla": xla,
        "seconds": {k: round(v, 4) for k, v in rows.items()},
        "phases": {
            "forward_s": round(rows["forward"], 4),
            "backward_s": round(rows["forward_and_gradients"] - rows["forward"], 4),
            "optimizers_and_trackers_s": round(step_s - rows["forward_and_gradients"], 4),
        },
        "share_of_step": {
            "forward": round(rows["forward"] / step_s, 3),
            "backward": round((rows["forward_and_gradients"] - rows["forward"]) / step_s, 3),
            "optimizers_and_trackers": round((step_s - rows["forward_and_gradients"]) / step_s, 3),
        },
        "generator_gflops_per_image": round(gen_gflops, 3),
        "discriminator_gflops_per_image": round(disc_gflops, 3),
        "approx_step_gflop": round(step_gflop, 1),
        "approx_achieved_gflop_per_s": round(step_gflop / step_s, 1),
        "host_ops_in_step": sorted(op_types & HOST_OPS),
        "images_per_s": round(args.batch / step_s, 3),
    }
    emit(doc, args.out)


if __name__ == "__main__":
    main()
