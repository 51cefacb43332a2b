// Where a picture of any size goes before the model sees it.
//
// "original" keeps the picture's size; a number N scales it (aspect ratio
// kept) so its longer side is N. The worker then pads the bottom and right
// edges (reflection) to the model's multiple (TF.js exports take any size
// that divides by it), and the result is cropped back and scaled to the
// picture's own size. Reflection padding needs every side to
// be longer than the padding, hence the minimum of twice the multiple.
export function fitToModel(width, height, sizeSetting, input) {
  const multiple = input.multiple || 1;
  const minSide = 2 * multiple;
  let scale = 1;
  if (sizeSetting !== "original") {
    scale = Number(sizeSetting) / Math.max(width, height);
  }
  scale = Math.max(scale, minSide / Math.min(width, height));
  const w = Math.max(minSide, Math.round(width * scale));
  const h = Math.max(minSide, Math.round(height * scale));
  return { width: w, height: h, scaled: w !== width || h !== height };
}

// The square a hint dot covers in a width x height model input, as
// kac.inference.hints draws it: centred on the pixel under the (fx, fy)
// fractions, `radius` (metadata.json "hints".dot_radius) pixels each way,
// clipped to the picture.
export function hintSquare(fx, fy, width, height, radius) {
  const cx = Math.min(Math.floor(fx * width), width - 1);
  const cy = Math.min(Math.floor(fy * height), height - 1);
  return {
    cx, cy,
    x0: Math.max(cx - radius, 0), x1: Math.min(cx + radius, width - 1),
    y0: Math.max(cy - radius, 0), y1: Math.min(cy + radius, height - 1),
  };
}
