"""The training data a config's folders ask for: unpaired (`data.unpaired`)
or aligned pairs (`data.paired`), decoded once to a store (`data.store`).
"""

from __future__ import annotations

from keras_anime_cyclegan.config import SYNTHESIZE
from keras_anime_cyclegan.data.paired import paired_training_data
from keras_anime_cyclegan.data.sampling import TrainData
from keras_anime_cyclegan.data.unpaired import unpaired_training_data


def folder_training_data(config) -> TrainData:
    """The `TrainData` an `ExperimentConfig` with folders asks for (used by `kac train`)."""
    d = config.data
    if not d.colors:
        raise ValueError("data.colors is not set: give a folder of colour illustrations")
    if d.paired:
        return paired_training_data(
            d.sketches or SYNTHESIZE, d.colors, image_size=config.image_size, batch_size=config.batch_size,
            seed=config.seed, held_out=d.held_out, cache=d.cache, max_pixels=d.max_pixels,
            synthesized_sketches=d.synthesized_sketches, hint_channels=config.generator.hint_channels,
            pipeline=d.pipeline, real_sketches=d.real_sketches, outline_fills=d.outline_fills,
            unlined_colors=d.unlined_colors,
        )
    if config.generator.hint_channels:
        raise ValueError("a generator with hint channels trains on aligned pairs: set data.paired=True")
    if d.real_sketches or d.outline_fills or d.unlined_colors:
        raise ValueError("data.real_sketches, data.outline_fills and data.unlined_colors are settings of aligned "
                         "pairs: set data.paired=True")
    return unpaired_training_data(
        d.sketches or SYNTHESIZE,
        d.colors,
        image_size=config.image_size,
        batch_size=config.batch_size,
        seed=config.seed,
        held_out=d.held_out,
        cache=d.cache,
        max_pixels=d.max_pixels,
        pipeline=d.pipeline,
    )
