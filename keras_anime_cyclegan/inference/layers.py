"""A coloured sketch as a colourist keeps it: flats, lines and shading on layers.

`Colorizer.colorize(..., layers=True)` returns `Layers`: the flat colours,
the line art on transparency (a multiply layer: grey lines are black at
their darkness, paper is clear) and G's shading (its colours divided by the
flats, a multiply layer, hidden). Flats and lines recompose the flat
result; turning the shading on brings G's light and shade back over the
flats. `save` writes one layered file that Krita and GIMP open, OpenRaster
(`.ora`, with pyora) or Photoshop (`.psd`, with psd-tools), or the layers
as PNGs beside a composite.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

LAYER_NAMES = ("flats", "shading", "lines")  # bottom to top
PNG_SUFFIXES = {"flats": ".flats.png", "lines": ".lines.png", "shading": ".shading.png"}


@dataclass
class Layers:
    """The layers of one coloured sketch (PIL images of the sketch's size).

    Attributes:
        image: the flat result (what `colorize` returns without `layers`).
        flats: RGB (RGBA when the sketch had alpha), one colour per region.
        lines: RGBA, the lines on transparency, in multiply mode.
        shading: RGB, G's colours over the flats' (white where no darker), in multiply mode, hidden.
    """

    image: Image.Image
    flats: Image.Image
    lines: Image.Image
    shading: Image.Image

    def save(self, path, *args, **kwargs) -> list[Path]:
        """Writes the layers; returns the files written.

        `.ora`: one OpenRaster file (flats, shading hidden, lines; the
        composite as its merged image). `.psd`: one Photoshop file, the same
        layers and modes. Anything else (`.png`): the composite at `path`
        and the layers beside it as NAME.flats.png, NAME.lines.png and
        NAME.shading.png.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".ora":
            self._save_ora(path)
            return [path]
        if suffix == ".psd":
            self._save_psd(path)
            return [path]
        self.image.save(path, *args, **kwargs)
        written = [path]
        for name, ending in PNG_SUFFIXES.items():
            target = path.with_name(path.stem + ending)
            getattr(self, name).save(target)
            written.append(target)
        return written

    def _stack(self):
        """(name, image, blend, visible), bottom to top."""
        return [
            ("flats", self.flats, "normal", True),
            ("shading", self.shading, "multiply", False),
            ("lines", self.lines, "multiply", True),
        ]

    def _save_ora(self, path: Path) -> None:
        import pyora

        project = pyora.Project.new(*self.image.size)
        for name, image, blend, visible in self._stack():
            op = "svg:multiply" if blend == "multiply" else "svg:src-over"
            project.add_layer(image, name, composite_op=op, visible=visible)
        project.save(str(path), composite_image=self.image.convert("RGBA"))

    def _save_psd(self, path: Path) -> None:
        from psd_tools import PSDImage
        from psd_tools.api.layers import PixelLayer
        from psd_tools.constants import BlendMode

        psd = PSDImage.new("RGBA", self.image.size)  # an RGB document would drop the layers' transparency
        for name, image, blend, visible in self._stack():
            layer = PixelLayer.frompil(image, psd, name)
            layer.blend_mode = BlendMode.MULTIPLY if blend == "multiply" else BlendMode.NORMAL
            layer.visible = visible
            psd.append(layer)
        psd.save(str(path))
