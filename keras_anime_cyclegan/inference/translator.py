"""`Colorizer` and `LineExtractor`: one generator applied to real pictures.

Both are thin names over `ImageTranslator`, which does everything once for
every model format: reading (alpha kept aside), optional downscaling to
`max_side`, fitting a fixed-size model (resize keeping the aspect ratio,
pad, undo), reflect padding to the generator's multiple, tiling beyond a
memory budget, batching same-shaped inputs, and putting the alpha back.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import numpy as np
from PIL import Image

from keras_anime_cyclegan.artifacts.layout import CONFIG_FILE, GENERATOR_FILES
from keras_anime_cyclegan.config import COLOUR_SIDE, INFERENCE_BATCH, PIXELS_PER_CALL, TILE_OVERLAP, TILE_SIZE
from keras_anime_cyclegan.inference.hints import Hints, hint_channels, paint_hints
from keras_anime_cyclegan.inference.io import ImageInput, read_image
from keras_anime_cyclegan.inference.layers import Layers
from keras_anime_cyclegan.inference.reference import ReferenceCache, References, confidence_map
from keras_anime_cyclegan.inference.runners import Runner, open_runner
from keras_anime_cyclegan.inference.tiling import TilePlan, padded_length, reflect_pad
from keras_anime_cyclegan.paint import paint
from keras_anime_cyclegan.paint.ink import find_ink
from keras_anime_cyclegan.paint.reference import reference_palette
from keras_anime_cyclegan.paint.regions import sketch_regions
from keras_anime_cyclegan.paint.composite import line_layer, shading_layer
from keras_anime_cyclegan.sketch.real import outline_fills
from keras_anime_cyclegan.utils.images import to_float, to_uint8


@dataclass
class Hinted:
    """A picture with its own options, for `Colorizer.colorize_many`.

    `hints` is anything `colorize(hints=...)` takes; `source` names them in
    error messages (a hint file, for example); `flat` overrides the
    Colorizer's `flat` for this picture (None: the Colorizer's); `layers`
    asks for `inference.layers.Layers` instead of one picture;
    `reference` (and `reference_lines`) are what `colorize(reference=...)` takes.
    """

    image: ImageInput
    hints: Hints = None
    source: str = "hints"
    flat: Optional[bool] = None
    layers: bool = False
    reference: References = None
    reference_lines: References = None
    match_confidence: bool = False  # set by `colorize_many(return_confidence=True)`


@dataclass
class _Job:
    """One picture on its way through the model."""

    size: tuple[int, int]  # (width, height) of the input, which the output keeps
    alpha: Optional[np.ndarray]
    patches: list[np.ndarray]  # float32 model inputs
    assemble: Callable[[list[np.ndarray]], np.ndarray]  # model outputs -> uint8 (h, w, 3)
    stats_from: Optional[np.ndarray] = None  # a thumbnail giving the tiles' normalisation statistics
    references: Optional[list] = None  # prepared reference pictures (`paint.reference.Reference`), for `_finish`
    picture: Optional[np.ndarray] = None  # the uint8 RGB input as read, for `_finish`
    hinted: Optional[Hinted] = None  # its hints, for `_finish`
    model_size: tuple[int, int] = (0, 0)  # (width, height) of the picture as the model saw it


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
        max_pixels: int = PIXELS_PER_CALL,
        tile_size: int = TILE_SIZE,
        tile_overlap: int = TILE_OVERLAP,
        batch_size: int = INFERENCE_BATCH,
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
        from keras_anime_cyclegan.artifacts import pretrained

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
            out = self._finish(job.assemble([next(outputs) for _ in job.patches]), job)
            if job.alpha is not None:
                alpha = Image.fromarray(job.alpha)
                for picture in self._pictures(out):
                    picture.putalpha(alpha)
            yield out

    def _pictures(self, out) -> tuple:
        """The pictures in a result that take the input's alpha back."""
        return (out.image, out.flats) if isinstance(out, Layers) else (out,)

    def _finish(self, rgb: np.ndarray, job: _Job) -> Image.Image:
        """The result at the input's size from the model's (uint8 (h, w, 3) at
        the size the model saw), before the alpha goes back on."""
        out = Image.fromarray(rgb)
        return out if out.size == job.size else out.resize(job.size, Image.BICUBIC)

    def _prepare(self, image: ImageInput) -> _Job:
        hinted = image if isinstance(image, Hinted) else Hinted(image)
        rgb, alpha = read_image(hinted.image)
        picture = rgb
        size = (rgb.shape[1], rgb.shape[0])
        if self.max_side and max(size) > self.max_side:
            rgb = _fit_within(rgb, self.max_side, self.max_side)
        if hinted.hints is not None and not self.runner.hint_channels:
            raise ValueError(f"{self.runner.source}: this model takes no colour hints")
        references = self._references(hinted)
        if self.runner.fixed_size:
            patches, undo, model_size = self._letterbox(rgb, hinted, size)
            return _Job(
                size, alpha, patches, undo, picture=picture, hinted=hinted, model_size=model_size, references=references
            )
        hints = None
        if hinted.hints is not None:
            hints = hint_channels(hinted.hints, size, (rgb.shape[1], rgb.shape[0]), hinted.source)
        h, w = rgb.shape[:2]
        m = self.runner.multiple
        x = to_float(rgb) if hints is None else np.concatenate([to_float(rgb), hints], axis=-1)
        plan = TilePlan.make(h, w, m, self.max_pixels, self.tile_size, self.tile_overlap)
        job = _Job(
            size, alpha, plan.cut(x), lambda outs: to_uint8(plan.blend(outs)), picture=picture, hinted=hinted,
            model_size=(w, h), references=references,
        )
        if len(plan.starts) > 1 and self.runner.shares_stats:
            side = math.sqrt(self.max_pixels / (h * w))
            # Area averaging keeps each region's mean, so the statistics
            # move least (measured: 1.0/255 from whole vs 2.5 with Lanczos).
            thumb = _fit_within(rgb, int(h * side), int(w * side), resample=Image.BOX)
            th, tw = thumb.shape[:2]
            thumb = to_float(thumb)
            if hints is not None:
                thumb = np.concatenate([thumb, _area_resize(hints, tw, th)], axis=-1)
            job.stats_from = reflect_pad(thumb, padded_length(th, m), padded_length(tw, m))
        return job

    def _references(self, hinted: Hinted) -> Optional[list]:
        """A picture's reference pictures, prepared (None: it has none)."""
        if hinted.reference is None:
            if hinted.reference_lines is not None:
                raise ValueError("reference_lines without a reference picture")
            return None
        raise ValueError(f"{self.runner.source}: reference pictures colour sketches (use a Colorizer)")

    def _letterbox(self, rgb: np.ndarray, hinted: Hinted, size: tuple[int, int]):
        """A fixed-size model's input: resized keeping the aspect ratio, then
        reflect-padded (hints, drawn at the fitted size, padded with zeros);
        how to undo both; and the fitted (width, height)."""
        sh, sw = self.runner.fixed_size
        h, w = rgb.shape[:2]
        fitted = _fit_within(rgb, sh, sw, upscale=True)
        fh, fw = fitted.shape[:2]
        x = reflect_pad(to_float(fitted), sh, sw)
        if hinted.hints is not None:
            hints = hint_channels(hinted.hints, size, (fw, fh), hinted.source)
            x = np.concatenate([x, np.pad(hints, ((0, sh - fh), (0, sw - fw), (0, 0)))], axis=-1)

        def undo(outs):
            return np.asarray(Image.fromarray(to_uint8(outs[0][:fh, :fw])).resize((w, h), Image.BICUBIC))

        return [x], undo, (fw, fh)

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


def _area_resize(channels: np.ndarray, width: int, height: int) -> np.ndarray:
    """A float (H, W, C) array area-averaged to (height, width, C)."""
    return np.stack(
        [np.asarray(Image.fromarray(channels[..., c]).resize((width, height), Image.BOX)) for c in range(channels.shape[-1])],
        axis=-1,
    )


def _fit_within(rgb: np.ndarray, height: int, width: int, upscale: bool = False, resample=Image.LANCZOS) -> np.ndarray:
    """Resized to fit inside height x width, aspect ratio kept."""
    h, w = rgb.shape[:2]
    scale = min(height / h, width / w)
    if scale >= 1 and not upscale:
        return rgb
    size = (max(1, min(width, round(w * scale))), max(1, min(height, round(h * scale))))
    return np.asarray(Image.fromarray(rgb).resize(size, resample))


@dataclass
class Colorized:
    """A coloured picture with the cycle's confidence in it.

    F (the line extractor) turns the coloured picture back into line art;
    where that differs from the sketch, G changed or lost something there.

    Attributes:
        image: the coloured picture (PIL), as `colorize` returns it (its
            `Layers` when asked for them).
        confidence: one score for the picture, 1 - the mean absolute
            difference between the sketch and F(G(sketch)) (0-1; 1 = F gives
            the sketch back exactly).
        confidence_map: PIL "L" picture of the same size, 255 where the
            sketch comes back unchanged, darker where it does not.
        match_confidence: with a reference picture, PIL "L" of the same
            size: each region's match confidence (255: every sample of the
            region saw one colour of the reference; 0: the reference does
            not explain it, so G's colour is there); None without one.
    """

    image: Image.Image
    confidence: float
    confidence_map: Image.Image
    match_confidence: Optional[Image.Image] = None

    def save(self, path, *args, **kwargs):
        """Saves the coloured picture (as `PIL.Image.save`)."""
        return self.image.save(path, *args, **kwargs)


class Colorizer(ImageTranslator):
    """Colours line-art sketches with G, optionally steered by colour hints.

    Example:
    >>> colorizer = Colorizer.pretrained()                # the shipped model; no download
    >>> colorizer = Colorizer.load("runs/demo")          # or .keras / SavedModel / .tflite
    >>> colorizer.colorize("sketch.png").save("colour.png")
    >>> colorizer.colorize("sketch.png", hints=[(120, 80, "#d94a6a"), (0.5, 0.9, "#2b4c9b")])
    >>> result = colorizer.colorize("sketch.png", return_confidence=True)   # .image, .confidence, .confidence_map
    >>> colorizer.colorize("page12.png", reference="hero_coloured.png")      # the colours of another picture

    Args:
        flat: bool; True (the default) gives flat colours: each region the
            sketch's lines enclose takes one colour (the median of G's
            there) and the sketch is multiplied over them, so its lines stay
            as drawn (`keras_anime_cyclegan.paint`); False gives G's own result.
        max_side: G sees the sketch with its longest side at most this
            (default `config.COLOUR_SIDE`, 1024); flat colours are painted on
            the sketch at its own size, so the result keeps every line as
            drawn (with `flat=False`, G's result is scaled back up). None:
            G sees the whole picture, in tiles beyond `max_pixels`.
        line_extractor: the F to judge G's results with (`return_confidence`);
            by default the one that comes with G (the same shipped model or
            run folder, or generator_f.keras beside generator_g.keras).
        other arguments: as `ImageTranslator`.
    """

    direction = "colorize"

    def __init__(
        self,
        runner: Runner,
        max_side: Optional[int] = COLOUR_SIDE,
        *args,
        flat: bool = True,
        line_extractor: Optional["LineExtractor"] = None,
        **options,
    ):
        super().__init__(runner, max_side, *args, **options)
        self.flat = flat
        self._line_extractor = line_extractor
        self._reference_cache = ReferenceCache()

    def _references(self, hinted: Hinted) -> Optional[list]:
        if hinted.reference is None:
            return super()._references(hinted)
        if hinted.flat is False or (hinted.flat is None and not self.flat):
            raise ValueError("a reference picture colours the flat colours; it cannot be used with flat=False")
        return self._reference_cache.get(hinted.reference, hinted.reference_lines) or None

    def _pictures(self, out) -> tuple:
        return super()._pictures(out.result if isinstance(out, _Matched) else out)

    def _finish(self, rgb: np.ndarray, job: _Job):
        flat = self.flat if job.hinted.flat is None else job.hinted.flat
        if not (flat or job.hinted.layers):
            return super()._finish(rgb, job)
        # Regions, lines and hints at the picture's own size; colours from G at its size.
        hints = paint_hints(job.hinted.hints, job.size, job.model_size, job.hinted.source)
        ink = find_ink(job.picture)
        regions = sketch_regions(ink)
        sources, match = [], None
        if job.references:
            palette, confidence = reference_palette(regions, ink, job.references)
            sources.append(palette)
            if job.hinted.match_confidence:
                match = confidence_map(regions.labels, confidence)
        painting = paint(job.picture, rgb, hints, sources=sources, regions=regions, ink=ink, keep_flats=job.hinted.layers)
        del regions, ink
        if not job.hinted.layers:
            image = painting.image
            del painting  # its regions, before PIL copies the picture
            return _matched(Image.fromarray(image), match, job)
        image = Image.fromarray(painting.image)
        g = np.asarray(super()._finish(rgb, job))
        layers = Layers(
            image,
            Image.fromarray(painting.flats),
            Image.fromarray(line_layer(job.picture, painting.ink), "RGBA"),
            Image.fromarray(shading_layer(g, painting.flats)),
        )
        return _matched(layers, match, job)

    @property
    def line_extractor(self) -> "LineExtractor":
        """F from the same model, loaded on first use (for `return_confidence`)."""
        if self._line_extractor is None:
            source = Path(self.runner.source)
            companion = None
            beside = source.parent / GENERATOR_FILES["lines"]
            if (source / CONFIG_FILE).is_file():
                companion = source  # a run folder holds both
            elif source.name == GENERATOR_FILES["colorize"] and beside.is_file():
                companion = beside
            if companion is None:
                raise ValueError(
                    f"{source}: no line extractor (F) comes with this model, so no confidence; "
                    "pass line_extractor=LineExtractor.load(...)"
                )
            self._line_extractor = LineExtractor.load(
                companion, max_side=self.max_side, max_pixels=self.max_pixels, tile_size=self.tile_size,
                tile_overlap=self.tile_overlap, batch_size=self.batch_size,
            )
        return self._line_extractor

    def colorize(
        self,
        image: ImageInput,
        hints: Hints = None,
        flat: Optional[bool] = None,
        return_confidence: bool = False,
        layers: bool = False,
        reference: References = None,
        reference_lines: References = None,
    ):
        """The coloured picture, the same size (and alpha) as `image`.

        Args:
            image: a path, PIL image or uint8 array.
            hints: colour hints (a hint model only): a list of
                `(x, y, colour)` (int pixels or float fractions of the size;
                "#rrggbb", "#rgb", a CSS name or (r, g, b)), an RGBA hint
                layer (path, PIL image or array; opaque pixels are hints),
                or a JSON hint file. See `inference.hints`.
            flat: flat colours (True) or G's own (False) for this picture;
                None: the Colorizer's `flat`.
            layers: return `inference.layers.Layers` (flats, lines on
                transparency, G's shading; `.save("x.ora")`, `.psd` or
                `.png`) instead of one picture.
            return_confidence: also run F on the result and return a
                `Colorized` (picture, score, map; with a reference, each
                region's match confidence too) instead of the picture.
            reference: a coloured picture of the character(s) the sketch
                shows (a path, PIL image or uint8 array; a list for several
                characters): each region takes the colour it has there,
                found by placing the reference over the sketch (mirrored,
                turned up to 15 degrees, scaled, shifted: see
                `paint.reference`). Hints win over it; what it cannot
                explain keeps G's colours; the background stays paper.
            reference_lines: the artist's line art of each reference (the
                same size as it), when there is one; else its lines are
                found from its colours.
        """
        (result,) = self.colorize_many(
            [image], hints=hints, flat=flat, return_confidence=return_confidence, layers=layers,
            reference=reference, reference_lines=reference_lines,
        )
        return result

    def colorize_many(
        self,
        images: Iterable,
        hints: Hints = None,
        return_exceptions: bool = False,
        return_confidence: bool = False,
        flat: Optional[bool] = None,
        layers: bool = False,
        reference: References = None,
        reference_lines: References = None,
    ) -> Iterator:
        """`colorize` over many pictures, in batches; see `translate_many`.

        `hints`, `flat`, `layers` and `reference` apply to every picture
        (None: no hints, the Colorizer's `flat`, no reference); give a
        picture its own by passing it as `Hinted(image, hints, flat=...,
        layers=..., reference=...)`, whose values win. A reference shared
        by many pages is prepared once.
        """
        defaults = dict(hints=hints, flat=flat, layers=layers, reference=reference, reference_lines=reference_lines)
        images = (_with_defaults(im, **defaults, match_confidence=return_confidence) for im in images)
        if not return_confidence:
            yield from self.translate_many(images, return_exceptions)
            return
        images = list(images)
        coloured = []
        matches = []
        for c in self.translate_many(images, return_exceptions=True):
            matches.append(c.match if isinstance(c, _Matched) else None)
            coloured.append(c.result if isinstance(c, _Matched) else c)
        ok = [c for c in coloured if not isinstance(c, Exception)]
        pictures = [c.image if isinstance(c, Layers) else c for c in ok]
        back = iter(self.line_extractor.extract_many([p.convert("RGB") for p in pictures]))
        for image, result, match in zip(images, coloured, matches):
            if isinstance(result, Exception):
                if not return_exceptions:
                    raise result
                yield result
                continue
            sketch = read_image(image.image)[0]
            scored = cycle_confidence(sketch, np.asarray(next(back).convert("RGB")), result)
            scored.match_confidence = match
            yield scored


@dataclass
class _Matched:
    """A result with its regions' match confidence (inside `colorize_many` only)."""

    result: object
    match: Optional[Image.Image]


def _matched(result, match: Optional[Image.Image], job: _Job):
    return _Matched(result, match) if job.hinted.match_confidence else result


def _with_defaults(
    image, hints: Hints = None, flat: Optional[bool] = None, layers: bool = False, reference: References = None,
    reference_lines: References = None, match_confidence: bool = False,
) -> Hinted:
    """`image` as `Hinted`, its own hints, `flat`, `layers` and reference kept where it has them."""
    if not isinstance(image, Hinted):
        image = Hinted(image)
    own_reference = image.reference is not None
    return dataclasses.replace(
        image,
        hints=hints if image.hints is None else image.hints,
        flat=flat if image.flat is None else image.flat,
        layers=image.layers or layers,
        reference=image.reference if own_reference else reference,
        reference_lines=image.reference_lines if own_reference else reference_lines,
        match_confidence=match_confidence,
    )


def cycle_confidence(sketch: np.ndarray, returned: np.ndarray, image: Image.Image) -> Colorized:
    """`Colorized` from a sketch and F(G(sketch)), both uint8 (H, W, 3)."""
    difference = np.abs(sketch.astype(np.float32) - returned.astype(np.float32)).mean(axis=-1) / 255.0
    confidence_map = Image.fromarray(np.round(255 * (1 - difference)).astype(np.uint8), "L")
    return Colorized(image, float(1 - difference.mean()), confidence_map)


class LineExtractor(ImageTranslator):
    """Extracts line art from colour pictures with F.

    Args:
        fill_dark: True (default): dark areas (black hair, a dark coat) come
            back filled, as F draws them; False: each filled area keeps a
            border one stroke wide and is paper inside (`sketch.real.outline_fills`
            on F's result: ink more than four strokes wide), the line art a
            colourist fills in; bold lines and lettering stay as drawn.
        other arguments: as `ImageTranslator`.

    Example:
    >>> extractor = LineExtractor.pretrained()            # the shipped model; no download
    >>> extractor = LineExtractor.load("runs/demo/generator_f.keras", fill_dark=False)
    >>> extractor.extract("colour.png").save("lines.png")
    """

    direction = "lines"

    def __init__(self, runner: Runner, *args, fill_dark: bool = True, **options):
        super().__init__(runner, *args, **options)
        self.fill_dark = fill_dark

    def _finish(self, rgb: np.ndarray, job: _Job) -> Image.Image:
        out = super()._finish(rgb, job)
        if self.fill_dark:
            return out
        return Image.fromarray(outline_fills(np.asarray(out.convert("RGB"))))

    def extract(self, image: ImageInput) -> Image.Image:
        """The line art, the same size (and alpha) as `image`."""
        return self.translate(image)

    def extract_many(self, images: Iterable[ImageInput], return_exceptions: bool = False) -> Iterator[Image.Image]:
        """`extract` over many pictures, in batches; see `translate_many`."""
        return self.translate_many(images, return_exceptions)
