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
