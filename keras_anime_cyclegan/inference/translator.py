"""`Colorizer` and `LineExtractor`: one generator applied to real pictures.

Both are thin names over `ImageTranslator`, which does everything once for
every model format: reading (alpha kept aside), optional downscaling to
`max_side`, fitting a fixed-size model (resize keeping the aspect ratio,
pad, undo), reflect padding to the generator's multiple, tiling beyond a
memory budget, batching same-shaped inputs, and putting the alpha back.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import numpy as np
from PIL import Image

from keras_anime_cyclegan.inference.io import ImageInput, read_image
from keras_anime_cyclegan.inference.runners import Runner, open_runner
from keras_anime_cyclegan.inference.tiling import TilePlan, padded_length, reflect_pad
from keras_anime_cyclegan.utils.images import to_float, to_uint8

# One model call sees at most this many pixels (summed over its batch):
# about 1.5 GB of activations for the paper's generator in float32.
DEFAULT_MAX_PIXELS = 1024 * 1024


@dataclass
class _Job:
    """One picture on its way through the model."""

    size: tuple[int, int]  # (width, height) of the input, which the output keeps
    alpha: Optional[np.ndarray]
    patches: list[np.ndarray]  # float32 model inputs
    assemble: Callable[[list[np.ndarray]], np.ndarray]  # model outputs -> uint8 (h, w, 3)
    stats_from: Optional[np.ndarray] = None  # a thumbnail giving the tiles' normalisation statistics


class ImageTranslator:
    """Applies one generator to pictures of any size.

    Args:
        runner: the model, from `open_runner` (or `load`).
        max_side: int or None; larger pictures are downscaled to this longest
            side, translated, and the result upscaled back.
        max_pixels: int, the most pixels one model call may see; a bigger
            picture is cut into tiles, and batches are cut to fit.
        tile_size: int, side of a tile (rounded down to the model's multiple).
        tile_overlap: int, pixels that neighbouring tiles share; the results
            cross-fade over them.
        batch_size: int, the most pictures (or tiles) in one model call.
    """

    direction: str = ""

    def __init__(
        self,
        runner: Runner,
        max_side: Optional[int] = None,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        tile_size: int = 512,
        tile_overlap: int = 64,
        batch_size: int = 4,
    ):
        if tile_overlap < 0 or tile_size < 2 * tile_overlap:
            raise ValueError(f"need 0 <= tile_overlap <= tile_size / 2; got {tile_overlap} and {tile_size}")
        if max_pixels < 1 or batch_size < 1 or (max_side is not None and max_side < 1):
            raise ValueError("max_pixels, batch_size and max_side must be positive")
        self.runner = runner
        self.max_side = max_side
        self.max_pixels = max_pixels
        self.tile_size = tile_size
        self.tile_overlap = tile_overlap
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: str | Path, **options) -> "ImageTranslator":
        """From a run folder, a `.keras` file, a SavedModel folder or a `.tflite` file.

        `options` are the constructor's (max_side, max_pixels, tile_size,
        tile_overlap, batch_size).
        """
        return cls(open_runner(path, cls.direction), **options)

    @classmethod
    def pretrained(cls, name: Optional[str] = None, **options) -> "ImageTranslator":
        """The generator the package ships (`keras_anime_cyclegan.pretrained`).

        `name` picks one of `pretrained.PRETRAINED` (None: the default);
        nothing is downloaded. `options` are the constructor's.
        """
        from keras_anime_cyclegan import pretrained

        return cls(open_runner(pretrained.get(name).file(cls.direction), cls.direction), **options)

    def __repr__(self):
        return f"{type(self).__name__}.load({str(self.runner.source)!r})"

    def translate(self, image: ImageInput) -> Image.Image:
        """The translated picture, the same size (and alpha) as `image`."""
        (result,) = self.translate_many([image])
        return result

    def translate_many(
        self, images: Iterable[ImageInput], return_exceptions: bool = False
    ) -> Iterator[Image.Image]:
        """Translates pictures `batch_size` at a time, yielding results in order.

        With `return_exceptions=True`, a picture that cannot be read yields
        its exception (ValueError, FileNotFoundError...) instead of stopping
        the rest.
        """
        chunk: list = []
        for image in images:
            chunk.append(image)
            if len(chunk) == self.batch_size:
                yield from self._translate_chunk(chunk, return_exceptions)
                chunk = []
        if chunk:
            yield from self._translate_chunk(chunk, return_exceptions)

    def _translate_chunk(self, images: list, return_exceptions: bool):
        jobs = []
        for image in images:
            try:
                jobs.append(self._prepare(image))
            except (ValueError, OSError) as e:
                if not return_exceptions:
                    raise
                jobs.append(e)
        outputs = iter(self._run([job for job in jobs if isinstance(job, _Job)]))
        for job in jobs:
            if isinstance(job, Exception):
                yield job
                continue
            rgb = job.assemble([next(outputs) for _ in job.patches])
            out = Image.fromarray(rgb)
            if out.size != job.size:
                out = out.resize(job.size, Image.BICUBIC)
            if job.alpha is not None:
                out.putalpha(Image.fromarray(job.alpha))
            yield out

    def _prepare(self, image: ImageInput) -> _Job:
        rgb, alpha = read_image(image)
        size = (rgb.shape[1], rgb.shape[0])
        if self.max_side and max(size) > self.max_side:
            rgb = _fit_within(rgb, self.max_side, self.max_side)
        if self.runner.fixed_size:
            return _Job(size, alpha, *self._letterbox(rgb))
        h, w = rgb.shape[:2]
        m = self.runner.multiple
        plan = TilePlan.make(h, w, m, self.max_pixels, self.tile_size, self.tile_overlap)
        job = _Job(size, alpha, plan.cut(to_float(rgb)), lambda outs: to_uint8(plan.blend(outs)))
        if len(plan.starts) > 1 and self.runner.shares_stats:
            side = math.sqrt(self.max_pixels / (h * w))
            # Area averaging keeps each region's mean, so the statistics
            # move least (measured: 1.0/255 from whole vs 2.5 with Lanczos).
            thumb = _fit_within(rgb, int(h * side), int(w * side), resample=Image.BOX)
            th, tw = thumb.shape[:2]
            job.stats_from = reflect_pad(to_float(thumb), padded_length(th, m), padded_length(tw, m))
        return job

    def _letterbox(self, rgb: np.ndarray):
        """A fixed-size model's input: resized keeping the aspect ratio, then
        reflect-padded; and how to undo both."""
        sh, sw = self.runner.fixed_size
        h, w = rgb.shape[:2]
        fitted = _fit_within(rgb, sh, sw, upscale=True)
        fh, fw = fitted.shape[:2]

        def undo(outs):
            return np.asarray(Image.fromarray(to_uint8(outs[0][:fh, :fw])).resize((w, h), Image.BICUBIC))

        return [reflect_pad(to_float(fitted), sh, sw)], undo

    def _run(self, jobs: list[_Job]) -> list[np.ndarray]:
        """Model outputs for every job's patches, in order, batching patches
        of the same shape (and the same statistics, for tiles)."""
        patches = [(p, job.stats_from) for job in jobs for p in job.patches]
        outputs: list = [None] * len(patches)
        groups = defaultdict(list)
        for i, (p, stats_from) in enumerate(patches):
            groups[p.shape, id(stats_from)].append(i)
        for ((h, w, _), _), indices in groups.items():
            stats_from = patches[indices[0]][1]
            per_call = max(1, min(self.batch_size, self.max_pixels // (h * w)))
            for k in range(0, len(indices), per_call):
                batch = indices[k : k + per_call]
                results = self.runner(np.stack([patches[i][0] for i in batch]), stats_from)
                for i, out in zip(batch, results):
                    outputs[i] = out
        return outputs


def _fit_within(rgb: np.ndarray, height: int, width: int, upscale: bool = False, resample=Image.LANCZOS) -> np.ndarray:
    """Resized to fit inside height x width, aspect ratio kept."""
    h, w = rgb.shape[:2]
    scale = min(height / h, width / w)
    if scale >= 1 and not upscale:
        return rgb
    size = (max(1, min(width, round(w * scale))), max(1, min(height, round(h * scale))))
    return np.asarray(Image.fromarray(rgb).resize(size, resample))


class Colorizer(ImageTranslator):
    """Colours line-art sketches with G.

    Example:
    >>> colorizer = Colorizer.pretrained()                # the shipped model; no download
    >>> colorizer = Colorizer.load("runs/demo")          # or .keras / SavedModel / .tflite
    >>> colorizer.colorize("sketch.png").save("colour.png")
    """

    direction = "colorize"

    def colorize(self, image: ImageInput) -> Image.Image:
        """The coloured picture, the same size (and alpha) as `image`."""
        return self.translate(image)

    def colorize_many(self, images: Iterable[ImageInput], return_exceptions: bool = False) -> Iterator[Image.Image]:
        """`colorize` over many pictures, in batches; see `translate_many`."""
        return self.translate_many(images, return_exceptions)


class LineExtractor(ImageTranslator):
    """Extracts line art from colour pictures with F.

    Example:
    >>> extractor = LineExtractor.pretrained()            # the shipped model; no download
    >>> extractor = LineExtractor.load("runs/demo/generator_f.keras")
    >>> extractor.extract("colour.png").save("lines.png")
    """

    direction = "lines"

    def extract(self, image: ImageInput) -> Image.Image:
        """The line art, the same size (and alpha) as `image`."""
        return self.translate(image)

    def extract_many(self, images: Iterable[ImageInput], return_exceptions: bool = False) -> Iterator[Image.Image]:
        """`extract` over many pictures, in batches; see `translate_many`."""
        return self.translate_many(images, return_exceptions)
