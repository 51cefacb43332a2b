"""`kac train`: train a CycleGAN on folders or on the synthetic demo set."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from keras_anime_cyclegan.config import GAN_LOSSES, GENERATOR_PRESETS, MIXED_PRECISIONS, STRATEGIES


def add_parser(sub):
    p = sub.add_parser(
        "train",
        help="train a CycleGAN (sketches <-> colour images)",
        description="Train a CycleGAN. With --demo, on synthetic data the package makes itself, "
        "then write a contact sheet of held-out results.",
    )
    src = p.add_argument_group("data")
    src.add_argument("--demo", action="store_true", help="train on the package's synthetic anime-like images")
    src.add_argument("--sketches", help='folder of line-art sketches, or "synthesize" to make them from --colors')
    src.add_argument("--colors", help="folder of colour illustrations")
    src.add_argument(
        "--paired", action="store_true",
        help="--sketches and --colors are aligned pairs (same file names): both cropped and flipped alike",
    )
    src.add_argument(
        "--hints", action="store_true",
        help="with --paired: G also takes colour hints, sampled from the colour picture in training",
    )
    src.add_argument(
        "--hint-spread", type=int, metavar="ROUNDS",
        help="with --hints: grow each hint through the paper up to the lines, 2 px per round, "
        "before G (models.layers.HintSpread; the shipped run uses 48)",
    )
    src.add_argument(
        "--hint-level", type=int, metavar="K",
        help="with --hints: spread the hints at 1/2**K only and join them to G's encoder there, so the "
        "full-resolution layers see the sketch alone (1.2x the no-hint G in TFLite for K=3, against 2.4x; "
        "default 0: at G's input)",
    )
    src.add_argument(
        "--synthesized-sketches", type=float, metavar="SHARE",
        help="with --paired: share of training sketches drawn from the colour picture in random styles (0-1)",
    )
    src.add_argument(
        "--real-sketches", type=float, metavar="SHARE",
        help="with --paired: share of the artist's sketches made to look like real ones (pencil, gaps, double "
        "strokes, hatching, paper, blur, JPEG; 0-1)",
    )
    src.add_argument(
        "--unlined-colors", metavar="DIR",
        help="with --paired: colour pictures without line art (kac data svg-colours) that join the pairs, "
        "their sketches always synthesised",
    )
    src.add_argument(
        "--outline-fills", action="store_true",
        help="with --paired: the artist's black fills become their outlines (F learns to outline dark areas)",
    )
    p.add_argument("--out", required=True, help="run folder (config, checkpoints, samples, logs)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last completed epoch")
    p.add_argument("--config", help="an experiment config JSON (for example a run's config.json)")
    p.add_argument(
        "--preset",
        choices=sorted(GENERATOR_PRESETS),
        help="generator preset (default: paper; demo with --demo)",
    )
    p.add_argument("--epochs", type=int, help="total epochs (with --resume: extend the run to this many)")
    p.add_argument("--image-size", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--steps-per-epoch", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--gan-loss", choices=GAN_LOSSES)
    p.add_argument("--identity-weight", type=float, help="fraction of the cycle weight (0 = off, as in the paper)")
    p.add_argument("--cycle-weight", type=float, help="weight of the L1 cycle terms (10; 0 = off)")
    p.add_argument("--adversarial-weight", type=float, help="weight of the adversarial terms (1; 0 = no discriminators)")
    p.add_argument(
        "--paired-weight", type=float,
        help="weight of the L1 terms against the aligned truth (0 = the paper's unpaired training; needs --paired)",
    )
    p.add_argument(
        "--colour-mode-weight", type=float,
        help="weight of G's colour-mode loss against the aligned truth: lowest at the likeliest colour instead "
        "of the average, rare colours weighted up (0 = off; needs --paired)",
    )
    p.add_argument(
        "--chroma-class-weight", type=float,
        help="weight of the class loss on G's chroma scores (needs generator.chroma_bins in the config and "
        "--paired; G's paired L1 then covers luma only; 0 = off)",
    )
    xla = p.add_mutually_exclusive_group()
    xla.add_argument("--xla", dest="xla", action="store_const", const=True, help="compile the train step with XLA")
    xla.add_argument(
        "--no-xla", dest="xla", action="store_const", const=False,
        help="compile the train step without XLA (default: XLA unless TensorFlow runs its oneDNN CPU kernels, "
        "as on Intel AVX-512 CPUs, where the step is faster without)",
    )
    p.add_argument(
        "--mixed-precision",
        nargs="?",
        const="float16",
        choices=[p for p in MIXED_PRECISIONS if p],
        help="compute in float16 (with loss scaling; the default when given alone) or bfloat16; variables and "
        "instance normalisation stay float32. For GPUs: on CPUs float32 is faster",
    )
    p.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help="data-parallel training: mirrored = all local devices (tf.distribute.MirroredStrategy; on JAX "
        "keras.distribution.DataParallel), multiworker = several machines described by TF_CONFIG (TensorFlow); "
        "--batch-size is the global batch, split across devices",
    )
    p.set_defaults(run=run)


def config_from_args(args):
    from keras_anime_cyclegan.config import ExperimentConfig, preset

    if args.config:
        config = ExperimentConfig.load(args.config)
    else:
        name = args.preset or ("demo" if args.demo else "paper")
        config = preset(name)
        if args.demo and name != "demo":
            from keras_anime_cyclegan.models.factory import generator_multiple

            demo = preset("demo")
            config = dataclasses.replace(
                demo, name=name, generator=config.generator, image_size=max(demo.image_size, generator_multiple(config.generator))
            )
    if args.demo:
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, demo=True))
    elif args.colors:
        # Keeps a --config file's other data settings (held_out, cache, max_pixels).
        data = dataclasses.replace(config.data, sketches=args.sketches or "synthesize", colors=args.colors, demo=False)
        if args.paired:
            data = dataclasses.replace(data, paired=True)
        if args.synthesized_sketches is not None:
            data = dataclasses.replace(data, synthesized_sketches=args.synthesized_sketches)
        if args.real_sketches is not None:
            data = dataclasses.replace(data, real_sketches=args.real_sketches)
        if args.outline_fills:
            data = dataclasses.replace(data, outline_fills=True)
        if args.unlined_colors:
            data = dataclasses.replace(data, unlined_colors=args.unlined_colors)
        config = dataclasses.replace(config, data=data)
    if args.hints:
        from keras_anime_cyclegan.config import HINT_CHANNELS

        config = dataclasses.replace(config, generator=dataclasses.replace(config.generator, hint_channels=HINT_CHANNELS))
    if args.hint_spread is not None:
        config = dataclasses.replace(config, generator=dataclasses.replace(config.generator, hint_spread=args.hint_spread))
    if args.hint_level is not None:
        config = dataclasses.replace(config, generator=dataclasses.replace(config.generator, hint_level=args.hint_level))
    if not config.data.demo and not config.data.colors:
        raise ValueError("give --colors DIR (and --sketches DIR or synthesize), or --demo")
    overrides = {
        "epochs": args.epochs,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "steps_per_epoch": args.steps_per_epoch,
        "seed": args.seed,
    }
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if args.xla is not None:
        config = dataclasses.replace(config, jit_compile=args.xla)
    if args.mixed_precision:
        config = dataclasses.replace(config, mixed_precision=args.mixed_precision)
    loss = {
        "gan_loss": args.gan_loss,
        "identity_weight": args.identity_weight,
        "cycle_weight": args.cycle_weight,
        "adversarial_weight": args.adversarial_weight,
        "paired_weight": args.paired_weight,
        "colour_mode_weight": args.colour_mode_weight,
        "chroma_class_weight": args.chroma_class_weight,
    }
    loss = {k: v for k, v in loss.items() if v is not None}
    if loss:
        config = dataclasses.replace(config, loss=dataclasses.replace(config.loss, **loss))
    return config


def run(args):
    from keras_anime_cyclegan.training.distribute import is_chief, make_strategy
    from keras_anime_cyclegan.training.run import train, write_contact_sheet

    out = Path(args.out)
    # First: MultiWorkerMirroredStrategy must exist before TensorFlow runs an op.
    strategy = make_strategy(args.strategy)
    from keras_anime_cyclegan.artifacts.layout import CHECKPOINT
    from keras_anime_cyclegan.cli import CLIError

    if not args.resume and (Path(args.out) / CHECKPOINT).exists():
        raise CLIError(f"{args.out} already holds a run; pass --resume to continue it or choose another --out")
    config = None if args.resume else config_from_args(args)
    result = train(config, out, resume=args.resume, epochs=args.epochs, strategy=strategy)
    if not is_chief(strategy):
        print(f"worker finished; the chief writes the run folder {out}")
        return 0
    sheet = write_contact_sheet(result, out / "contact_sheet.png")
    print(f"contact sheet (sketch | G(sketch) | colour | F(colour)): {sheet}")
    print(f"run folder: {out}")
    return 0
