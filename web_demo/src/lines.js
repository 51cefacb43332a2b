// The lines direction's "outline dark areas": kac.sketch.real.outline_fills
// step for step (tests/test_paint_js.py runs both on the same pictures).
//
// Ink is a pixel darker than 128 in its darkest channel. Its stroke width
// comes from the ink's ridges: the median Euclidean distance d to paper of
// the ink pixels no 8-neighbour exceeds, width 2d - 1 (rounded half to
// even, as Python rounds). Ink that survives an opening by 2 x width steps
// of the 4-neighbour cross (a fill more than four strokes wide) keeps a
// border one stroke wide and turns to paper inside; bold lines and
// lettering stay as drawn. Both morphological steps are distances in
// 4-neighbour steps (an erosion by k crosses keeps the pixels more than k
// steps from paper or the picture's edge; a dilation adds those within k).

import { taxicab } from "./paint.js";

const INK = 128;
const FAR = 1e20;

// RGBA bytes -> new RGBA bytes with dark fills outlined (alpha kept).
export function outlineFills(rgba, width, height) {
  const n = width * height;
  const ink = new Uint8Array(n);
  let paper = 0;
  for (let i = 0; i < n; i++) {
    ink[i] = Math.min(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]) < INK ? 1 : 0;
    paper += 1 - ink[i];
  }
  const out = new Uint8ClampedArray(rgba);
  if (!paper) return out; // an all-ink page has no strokes to measure
  const stroke = strokeWidth(ink, width, height);
  const fills = dilate(erode(ink, width, height, 2 * stroke), width, height, 2 * stroke);
  const inside = erode(fills, width, height, stroke);
  for (let i = 0; i < n; i++) {
    if (inside[i]) out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = 255;
  }
  return out;
}

// The strokes' typical width (sketch.real.stroke_width).
export function strokeWidth(ink, width, height) {
  const distance = euclideanToPaper(ink, width, height);
  const ridge = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!ink[i]) continue;
      let top = 0; // the 3x3 maximum, the edges mirrored (scipy's "reflect": the edge pixel itself)
      for (let dy = -1; dy <= 1; dy++) {
        const yy = Math.min(Math.max(y + dy, 0), height - 1);
        for (let dx = -1; dx <= 1; dx++) {
          const xx = Math.min(Math.max(x + dx, 0), width - 1);
          top = Math.max(top, distance[yy * width + xx]);
        }
      }
      if (distance[i] >= top) ridge.push(distance[i]);
    }
  }
  if (!ridge.length) return 1;
  ridge.sort((a, b) => a - b);
  const m = ridge.length >> 1;
  const median = ridge.length % 2 ? ridge[m] : (ridge[m - 1] + ridge[m]) / 2;
  return Math.max(1, roundHalfEven(2 * median - 1));
}

function roundHalfEven(v) {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 ? r - 1 : r;
}

// Exact Euclidean distance of each ink pixel to the nearest paper pixel
// (scipy.ndimage.distance_transform_edt): squared distances along columns,
// then along rows (Felzenszwalb and Huttenlocher's lower envelope of parabolas).
function euclideanToPaper(ink, width, height) {
  const squared = new Float64Array(width * height);
  for (let i = 0; i < squared.length; i++) squared[i] = ink[i] ? FAR : 0;
  const size = Math.max(width, height);
  const f = new Float64Array(size), d = new Float64Array(size), v = new Int32Array(size), z = new Float64Array(size + 1);
  const pass = (count, at) => {
    for (let q = 0; q < count; q++) f[q] = squared[at(q)];
    let k = 0;
    v[0] = 0; z[0] = -Infinity; z[1] = Infinity;
    for (let q = 1; q < count; q++) {
      let s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      while (s <= z[k]) {
        k--;
        s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      }
      k++;
      v[k] = q; z[k] = s; z[k + 1] = Infinity;
    }
    k = 0;
    for (let q = 0; q < count; q++) {
      while (z[k + 1] < q) k++;
      d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
    }
    for (let q = 0; q < count; q++) squared[at(q)] = d[q];
  };
  for (let x = 0; x < width; x++) pass(height, (q) => q * width + x);
  for (let y = 0; y < height; y++) pass(width, (q) => y * width + q);
  return squared.map(Math.sqrt);
}

// 4-neighbour steps from each pixel to the nearest pixel outside `mask`,
// the picture's outside counting as outside (two passes).
function stepsToOutside(mask, width, height) {
  const d = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      d[i] = Math.min(x > 0 ? d[i - 1] + 1 : 1, y > 0 ? d[i - width] + 1 : 1);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      if (!mask[i]) continue;
      d[i] = Math.min(d[i], x < width - 1 ? d[i + 1] + 1 : 1, y < height - 1 ? d[i + width] + 1 : 1);
    }
  }
  return d;
}

// scipy's binary_erosion by `k` iterations of the cross (border_value 0).
function erode(mask, width, height, k) {
  const d = stepsToOutside(mask, width, height);
  return Uint8Array.from(d, (v) => (v > k ? 1 : 0));
}

// scipy's binary_dilation by `k` iterations of the cross: the pixels within k
// 4-neighbour steps of the set (paint.js's taxicab distance to it).
function dilate(mask, width, height, k) {
  if (!mask.some((v) => v)) return mask; // nothing to grow (taxicab's "far" is only w + h + 1)
  return Uint8Array.from(taxicab(mask, width, 0, 0, width, height), (v) => (v <= k ? 1 : 0));
}
