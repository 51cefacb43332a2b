"""The paint stages: regions, colour sources, compositing (NumPy and SciPy only).

    sketch -> ink (paint.ink) -> regions (paint.regions)
           -> colours per region, from sources in order (paint.colours):
              hints, then a reference picture (paint.reference), then G's colours, then paper
           -> flats, lines multiplied over them (paint.composite)

`paint` runs them all; `inference.Colorizer` calls it with G's result.
"""

from keras_anime_cyclegan.paint.painter import Painting, paint

__all__ = ["Painting", "paint"]
