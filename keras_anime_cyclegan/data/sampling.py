"""Which picture, with which random decisions, at each position of a training stream.

Every training pipeline is an `ElementSource`: element k of an endless
sequence of passes over `n` pictures, pass p in an order drawn from
(seed, p), element k's crop, flip, sketch style and hints drawn from a
NumPy generator seeded with (seed, k). Everything is a function of `seed`
and the position alone: no global seed and no iterator state. So a
pipeline gives the same batches in any process, every pass is new, and a
resumed run starts its stream where the interrupted one stopped
(`TrainData.batches(start)`), at no cost.

An element is made in two halves: `draw` (NumPy: which picture, its crop
and flip, every random decision, as arrays) and `finish` (the float
pictures made from them, as NumPy/SciPy or as TensorFlow ops). Two input
paths run the same sources: `tf.data` (TensorFlow's threads) and a NumPy
one with a thread pool, for training where TensorFlow is not installed
(JAX or PyTorch machines). Both make the same decisions for the same seed.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional

import numpy as np

from keras_anime_cyclegan.config import INPUT_PIPELINES
from keras_anime_cyclegan.utils.deps import installed

_ORDER, _ELEMENT = 0, 1  # the two uses of a seed, kept apart


@lru_cache(maxsize=8)
def pass_order(n: int, seed: int, p: int, shuffle: bool = True) -> np.ndarray:
    """The order of the `n` pictures in pass `p` of a stream."""
    if not shuffle:
        return np.arange(n)
    return np.random.default_rng([seed % 2**64, _ORDER, p]).permutation(n)


def stream_index(n: int, seed: int, k: int, shuffle: bool = True) -> int:
    """Which of the `n` pictures element `k` of a stream shows."""
    p, j = divmod(int(k), n)
    return int(pass_order(n, seed, p, shuffle)[j])


def element_generator(seed: int, k: int) -> np.random.Generator:
    """The NumPy generator of element `k`'s random decisions."""
    return np.random.default_rng([seed % 2**64, _ELEMENT, int(k)])


@dataclass
class ElementSource:
    """Element k of an endless stream, drawn in NumPy and finished in NumPy or TensorFlow.

    `draw(k)` returns a tuple of arrays of fixed `dtypes` and `shapes`;
    `finish_numpy(*arrays)` and `finish_tf(*tensors)` turn them into the
    element (a tuple of float32 pictures), with the same arithmetic.
    """

    draw: Callable[[int], tuple]
    dtypes: tuple
    shapes: tuple
    finish_numpy: Callable[..., tuple]
    finish_tf: Callable[..., tuple]

    def element(self, k: int) -> tuple:
        return self.finish_numpy(*self.draw(k))


def resolve_input_pipeline(name: Optional[str]) -> str:
    """"tf.data" or "numpy": `auto` (or None) takes tf.data where TensorFlow is installed."""
    name = name or "auto"
    if name not in INPUT_PIPELINES:
        raise ValueError(f"unknown input pipeline {name!r}; choose from {', '.join(INPUT_PIPELINES)}")
    if name == "auto":
        return "tf.data" if installed("tensorflow") else "numpy"
    if name == "tf.data" and not installed("tensorflow"):
        raise ModuleNotFoundError("the tf.data input pipeline needs TensorFlow, which is not installed; use 'numpy'")
    return name


def tf_elements(source: ElementSource, start: int = 0):
    """The endless tf.data stream of `source`'s elements from element `start` on."""
    import tensorflow as tf

    dtypes = [tf.as_dtype(d) for d in source.dtypes]

    def element(k):
        arrays = tf.numpy_function(lambda i: source.draw(int(i)), [k], dtypes, stateful=False)
        for array, shape in zip(arrays, source.shapes):
            array.set_shape(shape)
        return source.finish_tf(*arrays)

    return tf.data.Dataset.counter(int(start)).map(element, num_parallel_calls=tf.data.AUTOTUNE)


def numpy_elements(source: ElementSource, start: int = 0, workers: Optional[int] = None, lookahead: int = 64):
    """The endless stream of `source`'s elements from element `start` on, made by a thread pool.

    NumPy and SciPy release the GIL in their loops, so threads overlap;
    `lookahead` elements are in flight, in order.
    """
    workers = workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers, thread_name_prefix="kac-input") as pool:
        pending = deque()
        counter = itertools.count(int(start))
        try:
            while True:
                while len(pending) < lookahead:
                    pending.append(pool.submit(source.element, next(counter)))
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def numpy_batches(source: ElementSource, batch_size: int, start: int = 0, **options):
    """Endless batches (tuples of stacked float32 arrays) of `source`, from batch `start` on."""
    elements = numpy_elements(source, start * batch_size, **options)
    try:
        while True:
            chunk = [next(elements) for _ in range(batch_size)]
            yield tuple(np.stack(parts) for parts in zip(*chunk))
    finally:
        elements.close()


@dataclass
class TrainData:
    """What a training run consumes: a stream of batches and a few images to watch.

    `batches(start)` is the endless stream of (sketch, colour) batches in
    [-1, 1] from batch `start` on, a `tf.data.Dataset` or (`pipeline`
    "numpy", or "auto" without TensorFlow) a Python generator of NumPy
    arrays; `fit` takes either with `steps_per_epoch`.
    """

    source: ElementSource
    batch_size: int
    steps_per_epoch: int
    sample_sketches: np.ndarray  # float32 [-1, 1], held out from training
    sample_colors: np.ndarray
    pipeline: str = "auto"

    def batches(self, start: int = 0):
        if resolve_input_pipeline(self.pipeline) == "numpy":
            return numpy_batches(self.source, self.batch_size, start)
        import tensorflow as tf

        return (
            tf_elements(self.source, start * self.batch_size)
            .batch(self.batch_size, drop_remainder=True)  # equal batches: every step and replica sees batch_size
            .prefetch(tf.data.AUTOTUNE)
        )

    def epoch(self, index: int = 0):
        """The batches of epoch `index` (0-based): a finite stream."""
        stream = self.batches(index * self.steps_per_epoch)
        if hasattr(stream, "take"):
            return stream.take(self.steps_per_epoch)
        return list(itertools.islice(stream, self.steps_per_epoch))

    @property
    def dataset(self):
        """The first epoch's batches."""
        return self.epoch(0)
