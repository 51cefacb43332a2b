// Flat colours, as keras_anime_cyclegan.inference.flats does them: each
// region the sketch's lines enclose takes the median of the model's colours
// inside it, and the sketch is multiplied over the flats (its lines stay as
// drawn). The same steps as the Python, so the page and `kac colorize` agree:
// ink is luma < 128; `gap` rounds of 4-neighbour dilation close small gaps;
// 4-connected regions are numbered in raster order; unlabelled pixels take
// the largest neighbouring label, round by round; a region's colour is read
// on its paper pixels only, and a region with hint dots on its paper takes
// their mean colour (the artist's colour, as a paint bucket), unless it
// reaches the picture's edge, where the model's own colours stay.

const INK_BELOW = 128;

function dilate(mask, width, height) {
  const out = mask.slice();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i]) continue;
      if ((x > 0 && mask[i - 1]) || (x < width - 1 && mask[i + 1]) ||
          (y > 0 && mask[i - width]) || (y < height - 1 && mask[i + width])) out[i] = 1;
    }
  }
  return out;
}

function labelRegions(closed, width, height) {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (closed[start] || labels[start]) continue;
    count += 1;
    labels[start] = count;
    let top = 0;
    stack[top++] = start;
    while (top) {
      const i = stack[--top];
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const j of neighbours) {
        if (j < 0 || j >= labels.length || closed[j] || labels[j]) continue;
        labels[j] = count;
        stack[top++] = j;
      }
    }
  }
  return { labels, count };
}

function grow(labels, width, height) {
  let missing = labels.some((v) => v === 0);
  while (missing) {
    const before = labels.slice();
    missing = false;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (before[i]) continue;
        let best = 0;
        if (x > 0) best = Math.max(best, before[i - 1]);
        if (x < width - 1) best = Math.max(best, before[i + 1]);
        if (y > 0) best = Math.max(best, before[i - width]);
        if (y < height - 1) best = Math.max(best, before[i + width]);
        labels[i] = best;
        if (!best) missing = true;
      }
    }
  }
}

// The median of the values counted in hist[offset .. offset + 256), as numpy
// takes it (the mean of the two middle values when their number is even).
function histogramMedian(hist, offset, n) {
  const lo = Math.floor((n - 1) / 2);
  const hi = Math.floor(n / 2);
  let seen = 0;
  let loValue = -1;
  for (let v = 0; v < 256; v++) {
    seen += hist[offset + v];
    if (loValue < 0 && seen > lo) loValue = v;
    if (seen > hi) return (loValue + v) / 2;
  }
  return 0;
}

// coloured, sketch: RGBA bytes (Uint8 arrays) of width x height; hints:
// null or the model's hint planes (Float32Array, RGB in [-1, 1] and a mask,
// 4 per pixel). Returns the flat RGBA result (alpha 255), or `coloured`
// itself when there is no paper.
export function flatten(coloured, sketch, width, height, gap = 2, hints = null) {
  const n = width * height;
  const ink = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const luma = 299 * sketch[4 * i] + 587 * sketch[4 * i + 1] + 114 * sketch[4 * i + 2]; // x1000, exact
    ink[i] = luma < 1000 * INK_BELOW ? 1 : 0;
  }
  let closed = ink;
  for (let k = 0; k < gap; k++) closed = dilate(closed, width, height);
  const { labels, count } = labelRegions(closed, width, height);
  if (!count) return coloured;
  grow(labels, width, height);

  const flats = new Float64Array(3 * (count + 1));
  const paper = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) if (!ink[i]) paper[labels[i]] += 1;
  const hist = new Uint32Array(256 * (count + 1));
  for (let c = 0; c < 3; c++) {
    hist.fill(0);
    for (let i = 0; i < n; i++) if (!ink[i]) hist[256 * labels[i] + coloured[4 * i + c]] += 1;
    for (let r = 1; r <= count; r++) if (paper[r]) flats[3 * r + c] = histogramMedian(hist, 256 * r, paper[r]);
  }
  // A region that is all ink: the mean of the model's colours over it.
  const sums = new Float64Array(3 * (count + 1));
  const sizes = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) {
    const r = labels[i];
    if (paper[r]) continue;
    sizes[r] += 1;
    for (let c = 0; c < 3; c++) sums[3 * r + c] += coloured[4 * i + c];
  }
  for (let r = 1; r <= count; r++) {
    if (!paper[r] && sizes[r]) for (let c = 0; c < 3; c++) flats[3 * r + c] = sums[3 * r + c] / sizes[r];
  }

  const own = new Uint8Array(count + 1); // regions left as the model coloured them
  if (hints) {
    const dotSums = new Float64Array(3 * (count + 1));
    const dots = new Int32Array(count + 1);
    for (let i = 0; i < n; i++) {
      if (ink[i] || !(hints[4 * i + 3] > 0)) continue;
      const r = labels[i];
      dots[r] += 1;
      for (let c = 0; c < 3; c++) dotSums[3 * r + c] += (hints[4 * i + c] + 1) * 127.5;
    }
    for (let r = 1; r <= count; r++) {
      if (dots[r]) for (let c = 0; c < 3; c++) flats[3 * r + c] = dotSums[3 * r + c] / dots[r];
    }
    // A hinted region reaching the picture's edge is likely open to the
    // background: the model's own colours stay there (no flooded page).
    for (let x = 0; x < width; x++) {
      for (const i of [x, (height - 1) * width + x]) if (dots[labels[i]]) own[labels[i]] = 1;
    }
    for (let y = 0; y < height; y++) {
      for (const i of [y * width, y * width + width - 1]) if (dots[labels[i]]) own[labels[i]] = 1;
    }
  }

  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    const r = labels[i];
    for (let c = 0; c < 3; c++) {
      out[4 * i + c] = own[r] ? coloured[4 * i + c] : Math.round((flats[3 * r + c] * sketch[4 * i + c]) / 255);
    }
    out[4 * i + 3] = 255;
  }
  return out;
}
