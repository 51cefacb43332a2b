// The paint stages of keras_anime_cyclegan.paint, step for step, so that the
// page and `kac colorize` give the same flat colours (the browser test
// compares them): ink read against the sketch's own paper (paint/ink.py),
// regions by the multi-scale fill (paint/regions.py), each region's colour
// from the hints (a dot goes to the region it mostly covers; dots of
// different colours split a region, growing over the ink's blurred
// darkness; a hint flows through a gap into the next region no hint
// landed in, and reaches over a drawn line into an undotted region that
// the page is not nearer to) or else the median of the model's colours, the background left
// as paper (paint/colours.py), and the sketch multiplied over the flats
// (paint/composite.py). Single-precision steps use Math.fround where Python
// computes in float32.

import { referencePalette } from "./reference.js";

const f32 = Math.fround;
const PAPER_BLOCK = 32;
const NOISE_FLOOR = 31;
const STRONG_PERCENTILE = 90;
const INK_FRACTION = 0.5;
const DARKEST_PAPER = 0.6;
const COARSEST = 64;
const MIN_AREA = 64e-6;
const FRESH_LEVELS = 1;
const BACKGROUND_BORDER = 0.25;
const NARROWING = 0.75;
const THICK_LINE = 1.25;
const STROKE_DEPTH_CAP = 128;
const SHADING_DARKNESS = 0.75;
const SHADING_LENGTH = 4;
const REACH = 32 / 1024;
const OPEN_FRONT = 0.1;
const OPEN_SHARE = 0.5;
const HEIGHT_LEVELS = 8;

// numpy.percentile's default (linear between the two nearest ranks).
function percentile(values, q) {
  const sorted = Float64Array.from(values).sort();
  if (!sorted.length) return 0;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function paperLevel(tone, width, height) {
  const b = PAPER_BLOCK;
  const bw = Math.ceil(width / b);
  const bh = Math.ceil(height / b);
  const raw = new Float32Array(bw * bh);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = Math.floor(y / b) * bw + Math.floor(x / b);
      if (tone[y * width + x] > raw[k]) raw[k] = tone[y * width + x];
    }
  }
  const blocks = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      let m = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(Math.max(y + dy, 0), bh - 1);
          const xx = Math.min(Math.max(x + dx, 0), bw - 1);
          m = Math.max(m, raw[yy * bw + xx]);
        }
      }
      blocks[y * bw + x] = m;
    }
  }
  const page = percentile(blocks, 90);
  const floor = f32(DARKEST_PAPER * page);
  let even = true; // every block as bright as the page's: lit evenly, no light to divide out
  for (let i = 0; i < blocks.length; i++) {
    blocks[i] = Math.max(blocks[i], floor);
    if (blocks[i] < page) even = false;
  }
  const axis = (n, m) => {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const frac = new Float32Array(n);
    const step = f32(m / n);
    for (let i = 0; i < n; i++) {
      const pos = Math.min(Math.max(f32(f32(f32(i + 0.5) * step) - 0.5), 0), m - 1);
      lo[i] = Math.floor(pos);
      hi[i] = Math.min(lo[i] + 1, m - 1);
      frac[i] = f32(pos - lo[i]);
    }
    return { lo, hi, frac };
  };
  const ys = axis(height, bh);
  const xs = axis(width, bw);
  const level = new Float32Array(width * height);
  const row = new Float32Array(bw);
  for (let y = 0; y < height; y++) {
    const a = f32(1 - ys.frac[y]);
    for (let x = 0; x < bw; x++) {
      row[x] = f32(f32(blocks[ys.lo[y] * bw + x] * a) + f32(blocks[ys.hi[y] * bw + x] * ys.frac[y]));
    }
    for (let x = 0; x < width; x++) {
      const v = f32(f32(row[xs.lo[x]] * f32(1 - xs.frac[x])) + f32(row[xs.hi[x]] * xs.frac[x]));
      level[y * width + x] = Math.max(v, 1);
    }
  }
  return { level, page, even };
}

// numpy.percentile (linear) of the values 0-255 counted in `counts`.
function percentileOfCounts(counts, q) {
  let n = 0;
  for (const c of counts) n += c;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const valueAt = (rank) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += counts[v];
      if (seen > rank) return v;
    }
    return 255;
  };
  const vLo = valueAt(lo);
  const vHi = valueAt(Math.min(lo + 1, n - 1));
  return vLo + (vHi - vLo) * (pos - lo);
}

// sketch: RGBA bytes. Returns {darkness (Uint8), mask (Uint8 0/1), paper [r, g, b], strong, light (Float32 per pixel; null: lit evenly)}.
export function findInk(sketch, width, height) {
  const n = width * height;
  const tone = new Uint8Array(n);
  for (let i = 0; i < n; i++) tone[i] = Math.min(sketch[4 * i], sketch[4 * i + 1], sketch[4 * i + 2]);
  const { level, page, even } = paperLevel(tone, width, height);
  const darkness = new Uint8Array(n);
  const counts = new Float64Array(256);
  for (let i = 0; i < n; i++) {
    const d = Math.min(Math.max(f32(1 - f32(tone[i] / level[i])), 0), 1);
    darkness[i] = Math.floor(f32(f32(d * 255) + 0.5));
    counts[darkness[i]]++;
  }
  for (let v = 0; v <= NOISE_FLOOR; v++) counts[v] = 0;
  const mask = new Uint8Array(n);
  let strong = 0;
  if (counts.some((c) => c > 0)) {
    strong = percentileOfCounts(counts, STRONG_PERCENTILE);
    const threshold = Math.max(INK_FRACTION * strong, NOISE_FLOOR + 1);
    for (let i = 0; i < n; i++) mask[i] = darkness[i] >= threshold ? 1 : 0;
  }
  // How lit the paper is at each pixel, as a fraction of the page's lit paper (at most 1):
  // the paper's colour is read as if lit like the page, and the compositing divides a
  // phone photo's shadow out (ink.py Ink.light); null on an evenly lit page (1 everywhere).
  const light = even ? null : new Float32Array(n);
  if (light) {
    const lit = f32(Math.max(page, 1)); // an all-black page: 1
    for (let i = 0; i < n; i++) light[i] = Math.min(f32(level[i] / lit), 1);
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (!mask[i]) count++;
  const usePaper = count > 0;
  const total = usePaper ? count : n;
  const step = Math.max(1, Math.floor(total / 200000));
  const paper = [0, 1, 2].map((c) => {
    const values = [];
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (usePaper && mask[i]) continue;
      if (k++ % step === 0) values.push(light ? f32(sketch[4 * i + c] / light[i]) : sketch[4 * i + c]);
    }
    return Math.max(f32(Math.min(percentile(values, 75), 255)), 1);
  });
  return { darkness, mask, paper, strong, light };
}

// regions.py area_lines: the ink less its shading strokes (hatching), the
// pixels with no ink within a step (3 x 3) as dark as SHADING_DARKNESS of the
// strong strokes or as deep as the middle of the typical dark line (the
// median ridge depth of the ink, over the ridges in dark ink), in
// strokes at least SHADING_LENGTH typical line widths long.
export function areaLines(ink, width, height) {
  const { mask, darkness, strong } = ink;
  const n = width * height;
  const maxAround = (values, y, x) => {
    let v = 0;
    for (let yy = Math.max(y - 1, 0); yy <= Math.min(y + 1, height - 1); yy++) {
      for (let xx = Math.max(x - 1, 0); xx <= Math.min(x + 1, width - 1); xx++) v = Math.max(v, values[yy * width + xx]);
    }
    return v;
  };
  const full = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i] && maxAround(darkness, y, x) >= SHADING_DARKNESS * strong) full[i] = 1;
    }
  }
  const depth = inkDepth(mask, width, height);
  const m = Math.floor((ridgeWidth(depth, width, height, full) + 1) / 2);
  if (m < 2) return mask;
  const soft = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i] && !full[i] && maxAround(depth, y, x) < m) soft[i] = 1;
    }
  }
  // Only strokes (8-connected pieces at least SHADING_LENGTH line widths long) are shading.
  const lines = mask.slice();
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  const piece = [];
  for (let start = 0; start < n; start++) {
    if (!soft[start] || seen[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    piece.length = 0;
    let y0 = height, y1 = -1, x0 = width, x1 = -1;
    while (top) {
      const i = stack[--top];
      piece.push(i);
      const y = Math.floor(i / width), x = i % width;
      y0 = Math.min(y0, y); y1 = Math.max(y1, y); x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      for (let yy = Math.max(y - 1, 0); yy <= Math.min(y + 1, height - 1); yy++) {
        for (let xx = Math.max(x - 1, 0); xx <= Math.min(x + 1, width - 1); xx++) {
          const j = yy * width + xx;
          if (soft[j] && !seen[j]) { seen[j] = 1; stack[top++] = j; }
        }
      }
    }
    if (Math.max(y1 - y0 + 1, x1 - x0 + 1) >= SHADING_LENGTH * (2 * m - 1)) for (const i of piece) lines[i] = 0;
  }
  return lines;
}

// 4-connected components of the pixels where open[i], numbered 1.. in raster order.
function label(open, width, height) {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (!open[start] || labels[start]) continue;
    labels[start] = ++count;
    let top = 0;
    stack[top++] = start;
    while (top) {
      const i = stack[--top];
      const x = i % width;
      if (x > 0 && open[i - 1] && !labels[i - 1]) { labels[i - 1] = count; stack[top++] = i - 1; }
      if (x < width - 1 && open[i + 1] && !labels[i + 1]) { labels[i + 1] = count; stack[top++] = i + 1; }
      if (i >= width && open[i - width] && !labels[i - width]) { labels[i - width] = count; stack[top++] = i - width; }
      if (i + width < labels.length && open[i + width] && !labels[i + width]) { labels[i + width] = count; stack[top++] = i + width; }
    }
  }
  return { labels, count };
}

// paint/grow.py's grow: rounds in which every open unlabelled pixel beside a
// label takes the largest label among its 4 neighbours.
export function grow(labels, width, height, passable = null) {
  let todo = [];
  for (let i = 0; i < labels.length; i++) if (!labels[i] && (!passable || passable[i])) todo.push(i);
  while (todo.length) {
    const updates = [];
    const rest = [];
    for (const i of todo) {
      const x = i % width;
      let best = 0;
      if (x > 0) best = Math.max(best, labels[i - 1]);
      if (x < width - 1) best = Math.max(best, labels[i + 1]);
      if (i >= width) best = Math.max(best, labels[i - width]);
      if (i + width < labels.length) best = Math.max(best, labels[i + width]);
      if (best) updates.push(i, best);
      else rest.push(i);
    }
    if (!updates.length) break;
    for (let k = 0; k < updates.length; k += 2) labels[updates[k]] = updates[k + 1];
    todo = rest;
  }
}

function thickenAndHalve(mask, width, height) {
  const thick = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let dy = -1; dy <= 1 && !v; dy++) {
        for (let dx = -1; dx <= 1 && !v; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < height && xx >= 0 && xx < width && mask[yy * width + xx]) v = 1;
        }
      }
      thick[y * width + x] = v;
    }
  }
  const w2 = Math.ceil(width / 2);
  const h2 = Math.ceil(height / 2);
  const out = new Uint8Array(w2 * h2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (thick[y * width + x]) out[(y >> 1) * w2 + (x >> 1)] = 1;
  }
  return { mask: out, width: w2, height: h2 };
}

// Regions: {labels (Int32, 1..count), count, background (Uint8 per label)}.
export function findRegions(mask, width, height) {
  const pyramid = [{ mask, width, height }];
  while (Math.max(pyramid[pyramid.length - 1].width, pyramid[pyramid.length - 1].height) > 2 * COARSEST) {
    const top = pyramid[pyramid.length - 1];
    pyramid.push(thickenAndHalve(top.mask, top.width, top.height));
  }
  const top = pyramid[pyramid.length - 1];
  const factor = 2 ** (pyramid.length - 1);
  let extra = 0;
  if (factor > 1) {
    // Thick strokes leave wide gaps: one more coarsest pixel of ink per
    // THICK_LINE coarsest pixels of the strokes' width (regions.py find_regions).
    extra = Math.floor(strokeWidth(mask, width, height) / (THICK_LINE * factor));
    for (let k = 0; k < extra; k++) top.mask = dilateCross(top.mask, top.width, top.height);
  }
  let { labels, count } = label(top.mask.map((v) => 1 - v), top.width, top.height);
  for (let level = pyramid.length - 2; level >= 0; level--) {
    const { mask: m, width: w, height: h } = pyramid[level];
    const cw = pyramid[level + 1].width;
    const seeds = new Int32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) if (!m[y * w + x]) seeds[y * w + x] = labels[(y >> 1) * cw + (x >> 1)];
    }
    const paper = m.map((v) => 1 - v);
    grow(seeds, w, h, paper);
    if (level < FRESH_LEVELS) {
      // Paper no label reached: a region of its own when it is large enough.
      const freshOpen = new Uint8Array(w * h);
      for (let i = 0; i < w * h; i++) freshOpen[i] = paper[i] && !seeds[i] ? 1 : 0;
      const fresh = label(freshOpen, w, h);
      if (fresh.count) {
        const area = new Int32Array(fresh.count + 1);
        for (let i = 0; i < w * h; i++) area[fresh.labels[i]]++;
        const numbering = new Int32Array(fresh.count + 1);
        const minPixels = (MIN_AREA * width * height) / 4 ** level;
        for (let r = 1; r <= fresh.count; r++) if (area[r] >= minPixels) numbering[r] = ++count;
        for (let i = 0; i < w * h; i++) if (fresh.labels[i] && numbering[fresh.labels[i]]) seeds[i] = numbering[fresh.labels[i]];
      }
    }
    labels = seeds;
  }
  grow(labels, width, height);
  if (!count || labels.every((v) => v === 0)) {
    return { labels: new Int32Array(width * height).fill(1), count: 1, background: new Uint8Array(2) };
  }
  let n = renumber(labels, count);
  if (n > 1) n = joinNarrowings(labels, n, mask, width, height, backgroundOf(labels, n, width, height), extra);
  return { labels, count: n, background: backgroundOf(labels, n, width, height) };
}

// regions.py stroke_width: 2m - 1, m the lower median taxicab depth (capped)
// of the ink's ridges (ink pixels at least as deep as their in-picture 8
// neighbours); 0 without ink.
function strokeWidth(mask, width, height) {
  return ridgeWidth(inkDepth(mask, width, height), width, height, null);
}

// Each ink pixel's taxicab steps to the paper, capped at STROKE_DEPTH_CAP (0 on paper).
function inkDepth(mask, width, height) {
  const depth = taxicab(mask.map((v) => (v ? 0 : 1)), width, 0, 0, width, height);
  for (let i = 0; i < depth.length; i++) if (depth[i] > STROKE_DEPTH_CAP) depth[i] = STROKE_DEPTH_CAP;
  return depth;
}

// 2m - 1 for m the lower median depth of the ink's ridges (pixels at least as
// deep as their in-picture 8 neighbours), counted only where include[i] when given.
function ridgeWidth(depth, width, height, include) {
  const counts = new Float64Array(STROKE_DEPTH_CAP + 1);
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = depth[y * width + x];
      if (!d || (include && !include[y * width + x])) continue;
      let ridge = true;
      for (let dy = -1; dy <= 1 && ridge; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && depth[yy * width + xx] > d) { ridge = false; break; }
        }
      }
      if (ridge) { counts[d]++; n++; }
    }
  }
  if (!n) return 0;
  let seen = 0;
  for (let m = 0; m <= STROKE_DEPTH_CAP; m++) {
    seen += counts[m];
    if (seen >= Math.floor((n + 1) / 2)) return 2 * m - 1;
  }
  return 2 * STROKE_DEPTH_CAP - 1;
}

// One step of scipy's binary_dilation with its default cross (nothing outside the picture).
function dilateCross(mask, width, height) {
  const out = mask.slice();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i]) continue;
      if ((x > 0 && mask[i - 1]) || (x < width - 1 && mask[i + 1]) || (y > 0 && mask[i - width]) || (y < height - 1 && mask[i + width])) out[i] = 1;
    }
  }
  return out;
}

// Renumbers labels 1..n in place, keeping the order of the numbers; n.
function renumber(labels, count) {
  const present = new Uint8Array(count + 1);
  for (const v of labels) present[v] = 1;
  const numbering = new Int32Array(count + 1);
  let n = 0;
  for (let r = 1; r <= count; r++) if (present[r]) numbering[r] = ++n;
  for (let i = 0; i < labels.length; i++) labels[i] = numbering[labels[i]];
  return n;
}

// The region touching most of the border, and any touching a quarter of it.
function backgroundOf(labels, n, width, height) {
  const contact = new Int32Array(n + 1);
  let border = 0;
  eachBorderPixel(width, height, (i) => { contact[labels[i]]++; border++; });
  const background = new Uint8Array(n + 1);
  let most = 1;
  for (let r = 1; r <= n; r++) {
    if (contact[r] >= BACKGROUND_BORDER * border) background[r] = 1;
    if (contact[r] > contact[most]) most = r;
  }
  background[most] = 1;
  return background;
}

// Visits each pixel on the picture's border once (regions.py _border).
function eachBorderPixel(width, height, visit) {
  for (let x = 0; x < width; x++) { visit(x); if (height > 1) visit((height - 1) * width + x); }
  for (let y = 1; y < height - 1; y++) { visit(y * width); if (width > 1) visit(y * width + width - 1); }
}

// paint/regions.py _join_narrowings: two figure regions meeting through open
// paper are one area cut into beads by the coarse levels when the passage
// (its deepest contact pixel's taxicab depth, the shallower side's) is
// nearly as wide as the narrower region (its deepest pixel's):
// 2p + 1 >= NARROWING * 2m, depths capped at 4 + extra coarsest pixels. Each group
// takes its smallest number; the new count.
function joinNarrowings(labels, count, mask, width, height, background, extra) {
  const depth = taxicab(mask, width, 0, 0, width, height);
  const cap = Math.floor(((4 + extra) * Math.max(width, height)) / COARSEST) + 1; // as deep as a passage can be
  for (let i = 0; i < depth.length; i++) if (depth[i] > cap) depth[i] = cap;
  const deepest = new Int32Array(count + 1);
  for (let i = 0; i < labels.length; i++) if (depth[i] > deepest[labels[i]]) deepest[labels[i]] = depth[i];
  const widest = new Map(); // lo * (count + 1) + hi -> the passage's depth
  const meet = (i, j) => {
    const a = labels[i];
    const b = labels[j];
    if (a === b || !depth[i] || !depth[j] || background[a] || background[b]) return;
    const key = Math.min(a, b) * (count + 1) + Math.max(a, b);
    const p = Math.min(depth[i], depth[j]);
    if (!(widest.get(key) >= p)) widest.set(key, p);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x < width - 1) meet(i, i + 1);
      if (y < height - 1) meet(i, i + width);
    }
  }
  const parent = new Int32Array(count + 1);
  for (let r = 0; r <= count; r++) parent[r] = r;
  const root = (r) => {
    while (parent[r] !== r) { parent[r] = parent[parent[r]]; r = parent[r]; }
    return r;
  };
  let any = false;
  for (const [key, p] of widest) {
    const lo = Math.floor(key / (count + 1));
    const hi = key % (count + 1);
    if (2 * p + 1 < NARROWING * 2 * Math.min(deepest[lo], deepest[hi])) continue;
    const a = root(lo);
    const b = root(hi);
    if (a !== b) { parent[Math.max(a, b)] = Math.min(a, b); any = true; }
  }
  if (!any) return count;
  for (let i = 0; i < labels.length; i++) labels[i] = root(labels[i]);
  return renumber(labels, count);
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

// Each region the median of the model's colours (RGBA bytes, cw x ch) over its paper.
function modelColours(regions, ink, width, height, coloured, cw, ch) {
  const { labels, count } = regions;
  const colours = new Float64Array(3 * (count + 1));
  const rows = Int32Array.from({ length: ch }, (_, i) => Math.min(Math.floor(((i + 0.5) * height) / ch), height - 1));
  const cols = Int32Array.from({ length: cw }, (_, i) => Math.min(Math.floor(((i + 0.5) * width) / cw), width - 1));
  const inside = new Int32Array(cw * ch);
  const paper = new Int32Array(count + 1);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const j = rows[y] * width + cols[x];
      const r = ink.mask[j] ? 0 : labels[j];
      inside[y * cw + x] = r;
      if (r) paper[r]++;
    }
  }
  const hist = new Uint32Array(256 * (count + 1));
  for (let c = 0; c < 3; c++) {
    hist.fill(0);
    for (let i = 0; i < cw * ch; i++) if (inside[i]) hist[256 * inside[i] + coloured[4 * i + c]]++;
    for (let r = 1; r <= count; r++) if (paper[r]) colours[3 * r + c] = histogramMedian(hist, 256 * r, paper[r]);
  }
  // A region too small to be seen at the model's size: the colour at its centre.
  const sy = new Float64Array(count + 1);
  const sx = new Float64Array(count + 1);
  const size = new Float64Array(count + 1);
  let missing = false;
  for (let r = 1; r <= count; r++) if (!paper[r]) missing = true;
  if (missing) {
    for (let i = 0; i < labels.length; i++) {
      const r = labels[i];
      if (paper[r]) continue;
      sy[r] += Math.floor(i / width);
      sx[r] += i % width;
      size[r]++;
    }
    for (let r = 1; r <= count; r++) {
      if (paper[r] || !size[r]) continue;
      const y = Math.min(Math.floor(((sy[r] / size[r]) * ch) / height), ch - 1);
      const x = Math.min(Math.floor(((sx[r] / size[r]) * cw) / width), cw - 1);
      for (let c = 0; c < 3; c++) colours[3 * r + c] = coloured[4 * (y * cw + x) + c];
    }
  }
  return colours;
}

// A dot's paper pixels in the region it mostly covers: {region, pixels}.
function footprint(hint, regions, ink, width, height) {
  const r = Math.max(Math.round(hint.radius), 0);
  const cx = Math.min(Math.floor(hint.x), width - 1);
  const cy = Math.min(Math.floor(hint.y), height - 1);
  let pixels = [];
  for (let y = Math.max(cy - r, 0); y < Math.min(cy + r + 1, height); y++) {
    for (let x = Math.max(cx - r, 0); x < Math.min(cx + r + 1, width); x++) pixels.push(y * width + x);
  }
  const onPaper = pixels.filter((i) => !ink.mask[i]);
  if (onPaper.length) pixels = onPaper;
  const votes = new Map();
  for (const i of pixels) votes.set(regions.labels[i], (votes.get(regions.labels[i]) || 0) + 1);
  let region = 0;
  let best = -1;
  for (const [label, n] of votes) if (n > best || (n === best && label < region)) { best = n; region = label; }
  let kept = pixels.filter((i) => regions.labels[i] === region);
  if (onPaper.length && kept.length) {
    // The dot's paper on one side of any line through it: the largest 4-connected part of its square.
    let bx0 = width, by0 = height, bx1 = 0, by1 = 0;
    for (const i of kept) {
      const x = i % width;
      const y = Math.floor(i / width);
      bx0 = Math.min(bx0, x); bx1 = Math.max(bx1, x); by0 = Math.min(by0, y); by1 = Math.max(by1, y);
    }
    const bw = bx1 - bx0 + 1;
    const box = new Uint8Array(bw * (by1 - by0 + 1));
    for (const i of kept) box[(Math.floor(i / width) - by0) * bw + (i % width) - bx0] = 1;
    const parts = label(box, bw, by1 - by0 + 1);
    if (parts.count > 1) {
      const size = new Int32Array(parts.count + 1);
      for (let j = 0; j < box.length; j++) if (box[j]) size[parts.labels[j]]++;
      let largest = 1;
      for (let r = 2; r <= parts.count; r++) if (size[r] > size[largest]) largest = r;
      kept = kept.filter((i) => parts.labels[(Math.floor(i / width) - by0) * bw + (i % width) - bx0] === largest);
    }
  }
  return { region, pixels: kept };
}

// scipy.ndimage.distance_transform_cdt(metric="taxicab") of the paper in a
// window: each pixel's 4-neighbour steps to the nearest ink (two passes).
export function taxicab(mask, width, x0, y0, w, h) {
  const big = w + h + 1;
  const d = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (mask[(y0 + y) * width + x0 + x]) { d[i] = 0; continue; }
      let v = big;
      if (x > 0) v = Math.min(v, d[i - 1] + 1);
      if (y > 0) v = Math.min(v, d[i - w] + 1);
      d[i] = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (x < w - 1) d[i] = Math.min(d[i], d[i + 1] + 1);
      if (y < h - 1) d[i] = Math.min(d[i], d[i + w] + 1);
    }
  }
  return d;
}

// Hints: per-region colours, and per-pixel colours where dots of different
// colours share a region or a dot lands in the open background.
function hintColours(regions, ink, width, height, hints) {
  const { labels, count, background } = regions;
  const known = new Uint8Array(count + 1);
  const colours = new Float64Array(3 * (count + 1));
  const split = [];
  const groups = new Map();
  for (const hint of hints) {
    const { region, pixels } = footprint(hint, regions, ink, width, height);
    if (!region) continue;
    if (!groups.has(region)) groups.set(region, []);
    groups.get(region).push({ pixels, colour: hint.colour });
  }
  const side = Math.max(width, height);
  const reach = Math.max(2, Math.round(REACH * side));
  for (const [region, group] of groups) {
    known[region] = 1;
    for (let c = 0; c < 3; c++) colours[3 * region + c] = group[0].colour[c];
    const open = background[region] === 1;
    if (new Set(group.map((g) => g.colour.join(","))).size === 1 && !open) continue;
    let x0 = width, y0 = height, x1 = 0, y1 = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== region) continue;
      const x = i % width;
      const y = Math.floor(i / width);
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const inside = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) inside[y * w + x] = labels[(y0 + y) * width + x0 + x] === region ? 1 : 0;
    const walls = regions.lines || ink.mask; // the lines: shading strokes are no walls to a dot
    const near = taxicab(walls, width, x0, y0, w, h);
    const local = group.map((g) => g.colour);
    const markers = new Int32Array(w * h);
    group.forEach((g, k) => {
      for (const i of g.pixels) markers[(Math.floor(i / width) - y0) * w + (i % width) - x0] = k + 1;
    });
    let borderLabel = 0;
    if (open) {
      local.push(ink.paper);
      borderLabel = local.length;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const edge = (y0 === 0 && y === 0) || (y0 + h === height && y === h - 1) ||
            (x0 === 0 && x === 0) || (x0 + w === width && x === w - 1);
          const i = y * w + x;
          if (edge && inside[i] && !markers[i]) markers[i] = borderLabel;
        }
      }
    }
    const heightMap = new Uint8Array(w * h); // 0 on open paper .. HEIGHT_LEVELS on the lines
    for (let i = 0; i < w * h; i++) heightMap[i] = Math.floor(((reach - Math.min(near[i], reach)) * HEIGHT_LEVELS + reach - 1) / reach);
    const openPaper = heightMap.map((v) => (v === 0 ? 1 : 0)); // farther than reach from any ink
    // Paper around each dot counts as open, so a dot beside a line grows as fast as one in the open.
    const dotMask = new Uint8Array(w * h);
    group.forEach((g) => { for (const i of g.pixels) dotMask[(Math.floor(i / width) - y0) * w + (i % width) - x0] = 1; });
    const fromDots = taxicab(dotMask, w, 0, 0, w, h);
    for (let i = 0; i < w * h; i++) if (fromDots[i] <= reach && !walls[(y0 + Math.floor(i / w)) * width + x0 + (i % w)]) heightMap[i] = 0;
    // grow.py grow_by_height: labels grow level by level of the height map, within `allowed`.
    const growByHeight = (labels, allowed) => {
      for (let level = 0; level <= HEIGHT_LEVELS; level++) {
        const passable = new Uint8Array(w * h);
        for (let i = 0; i < w * h; i++) passable[i] = allowed[i] && heightMap[i] <= level ? 1 : 0;
        grow(labels, w, h, passable);
      }
    };
    growByHeight(markers, inside);
    if (borderLabel) {
      const fronts = new Float64Array(borderLabel + 1);
      // Fronts on open paper only: a figure's dot meets the border in its outline's gaps, near the ink.
      const paperAt = (y, x) => openPaper[y * w + x] === 1;
      const meet = (a, b) => { if (a === borderLabel && b > 0 && b !== borderLabel) fronts[b]++; };
      const edge = new Float64Array(borderLabel + 1); // each part's whole edge, for OPEN_SHARE below
      const pair = (a, b) => { if (a !== b) { edge[a]++; edge[b]++; } };
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if (x < w - 1 && paperAt(y, x) && paperAt(y, x + 1)) { meet(markers[i], markers[i + 1]); meet(markers[i + 1], markers[i]); }
          if (y < h - 1 && paperAt(y, x) && paperAt(y + 1, x)) { meet(markers[i], markers[i + w]); meet(markers[i + w], markers[i]); }
          if (x < w - 1) pair(markers[i], markers[i + 1]);
          if (y < h - 1) pair(markers[i], markers[i + w]);
        }
      }
      // Only a dot on open paper itself can be on the background (one inside a thin part opens onto the page).
      group.forEach((g, k) => {
        let open = 0;
        for (const i of g.pixels) open += openPaper[(Math.floor(i / width) - y0) * w + (i % width) - x0];
        if (!(g.pixels.length && open / g.pixels.length > 0.5)) fronts[k + 1] = 0;
      });
      // A dot in a figure part whose outline leaks onto the page meets the border's paper in the
      // leaks, but most of its part's edge is still the outline: the front must be OPEN_SHARE of it.
      for (let k = 0; k <= borderLabel; k++) if (fronts[k] < OPEN_SHARE * edge[k]) fronts[k] = 0;
      const onBackground = [];
      for (let k = 1; k <= borderLabel; k++) if (fronts[k] >= OPEN_FRONT * side) onBackground.push(k);
      if (onBackground.length === 1) {
        for (let i = 0; i < w * h; i++) if (markers[i] === borderLabel) markers[i] = onBackground[0];
      } else if (onBackground.length > 1) {
        // Several dots on the open background (a sky, a lawn) split the border's paper between
        // them, grown from their parts over the same heights as the dots split a region.
        let best = onBackground[0];
        for (const k of onBackground) if (fronts[k] > fronts[best]) best = k;
        const picked = new Uint8Array(borderLabel + 1);
        for (const k of onBackground) picked[k] = 1;
        const free = new Uint8Array(w * h);
        const again = new Int32Array(w * h);
        for (let i = 0; i < w * h; i++) {
          if (markers[i] === borderLabel) free[i] = 1;
          else if (picked[markers[i]]) again[i] = markers[i];
        }
        growByHeight(again, free);
        for (let i = 0; i < w * h; i++) if (free[i]) markers[i] = again[i] || best;
      }
    }
    const pixels = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!inside[y * w + x]) continue;
        const k = Math.min(Math.max(markers[y * w + x] - 1, 0), local.length - 1);
        pixels.push([(y0 + y) * width + x0 + x, local[k]]);
      }
    }
    split.push({ region, pixels });
  }
  return { known, colours, split };
}

function rgbKey(c) {
  const k = (v) => Math.min(Math.max(Math.round(v), 0), 255);
  return (k(c[0]) << 16) | (k(c[1]) << 8) | k(c[2]);
}

// Hints flowing through the gaps a sketch leaves (paint/colours.py
// flowed_hints): each figure region no hint landed in, that meets a hinted
// one (or one the flow already reached) through open paper, takes the
// colour it meets over the longest stretch (ties: the smaller RGB key).
// Regions meet on paper only where the fill closed a gap; figure and
// background pass no colours to each other, but the background's pieces (a
// figure reaching to a few pixels of the picture's edge cuts the page in two)
// do among themselves: the colour the dotted piece has where they meet.
// The regions in settled (a reference coloured them) neither take nor pass
// the colour on.
function flowedHints(regions, ink, width, height, hinted, settled) {
  const { labels, count, background } = regions;
  const known = new Uint8Array(count + 1);
  const colours = new Float64Array(3 * (count + 1));
  const givers = new Uint8Array(count + 1);
  let any = false;
  for (let r = 1; r <= count; r++) if (hinted.known[r]) { givers[r] = 1; any = true; }
  if (!any) return { known, colours };
  const splitKey = new Int32Array(width * height).fill(-1); // a split giver's colour, pixel by pixel
  for (const { region, pixels } of hinted.split) if (givers[region]) for (const [i, rgb] of pixels) splitKey[i] = rgbKey(rgb);
  const giverKey = (i) => {
    if (splitKey[i] >= 0) return splitKey[i];
    const r = labels[i];
    return rgbKey([hinted.colours[3 * r], hinted.colours[3 * r + 1], hinted.colours[3 * r + 2]]);
  };
  const takers = [];
  const giving = [];
  const keys = [];
  const contact = (i, j) => {
    takers.push(labels[j], labels[i]);
    giving.push(labels[i], labels[j]);
    keys.push(givers[labels[i]] ? giverKey(i) : -1, givers[labels[j]] ? giverKey(j) : -1);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (ink.mask[i]) continue;
      if (x < width - 1 && labels[i] !== labels[i + 1] && !ink.mask[i + 1]) contact(i, i + 1);
      if (y < height - 1 && labels[i] !== labels[i + width] && !ink.mask[i + width]) contact(i, i + width);
    }
  }
  const reached = givers.slice();
  const colourOf = new Int32Array(count + 1).fill(-1);
  for (;;) {
    const votes = new Map(); // taker -> Map(colour key -> contact pixels)
    for (let c = 0; c < takers.length; c++) {
      const t = takers[c];
      const g = giving[c];
      // Figure and background pass no colours to each other; the background's pieces do among themselves.
      if (!reached[g] || reached[t] || background[t] !== background[g] || settled[t]) continue;
      const k = givers[g] ? keys[c] : colourOf[g];
      if (!votes.has(t)) votes.set(t, new Map());
      const m = votes.get(t);
      m.set(k, (m.get(k) || 0) + 1);
    }
    if (votes.size === 0) break;
    for (const [t, m] of votes) {
      let best = -1;
      let most = 0;
      for (const [k, v] of m) if (v > most || (v === most && k < best)) { best = k; most = v; }
      colourOf[t] = best;
      reached[t] = 1;
      known[t] = 1;
      colours[3 * t] = (best >> 16) & 255;
      colours[3 * t + 1] = (best >> 8) & 255;
      colours[3 * t + 2] = best & 255;
    }
  }
  return { known, colours };
}

// The dots' reach over drawn lines (paint/colours.py reached_hints): a
// watershed on the regions' graph. A figure region neither a dot nor the
// flow coloured takes the colour of the dotted (or flowed) region joined to
// it over the lowest lines, unless the background's paper is joined to it
// over lower ones (then it is left to the model, which leaves the page's
// regions paper). A meeting's height is the
// larger 3x3 darkness sum of its two pixels; a join's its lowest meeting;
// joins are taken lowest first (ties: the smaller pair of node numbers),
// merging groups while at most one colour is in a group. The regions in
// settled (a reference coloured them, no dot did) are walls: they neither
// take nor pass on a colour.
function reachedHints(regions, ink, width, height, hinted, flowed, settled) {
  const { labels, count, background } = regions;
  const known = new Uint8Array(count + 1);
  const colours = new Float64Array(3 * (count + 1));
  const givers = new Uint8Array(count + 1);
  const takers = new Uint8Array(count + 1);
  let anyGiver = false;
  let anyTaker = false;
  for (let r = 1; r <= count; r++) {
    if (background[r]) continue;
    if (hinted.known[r]) { givers[r] = 1; anyGiver = true; } else if (settled[r]) continue;
    else if (flowed.known[r]) { givers[r] = 1; anyGiver = true; } else { takers[r] = 1; anyTaker = true; }
  }
  if (!anyGiver || !anyTaker) return { known, colours };
  const splitKey = new Int32Array(width * height).fill(-1);
  for (const { region, pixels } of hinted.split) if (givers[region]) for (const [i, rgb] of pixels) splitKey[i] = rgbKey(rgb);
  const keyAt = (i) => {
    const r = labels[i];
    if (background[r]) return -1;
    if (!givers[r]) return -2;
    if (splitKey[i] >= 0) return splitKey[i];
    const src = hinted.known[r] ? hinted.colours : flowed.colours;
    return rgbKey([src[3 * r], src[3 * r + 1], src[3 * r + 2]]);
  };
  const box = new Int32Array(width * height); // darkness summed over 3x3 (0 off the picture)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width) sum += ink.darkness[yy * width + xx];
        }
      }
      box[y * width + x] = sum;
    }
  }
  // Two passes over the meetings (4-neighbour pixel pairs of different regions),
  // seen from each taker's side: first the colours met, then the joins' heights.
  const eachMeeting = (visit) => {
    const side = (p, q, hgt) => {
      const t = labels[p];
      const o = labels[q];
      if (takers[t] && !(takers[o] && t > o) && !settled[o]) visit(t, keyAt(q), o, hgt);
    };
    const both = (i, j) => {
      const hgt = Math.max(box[i], box[j]);
      side(i, j, hgt);
      side(j, i, hgt);
    };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (x < width - 1 && labels[i] !== labels[i + 1]) both(i, i + 1);
        if (y < height - 1 && labels[i] !== labels[i + width]) both(i, i + width);
      }
    }
  };
  const met = new Set();
  eachMeeting((t, k) => { if (k > -2) met.add(k); });
  const keys = [...met].sort((a, b) => a - b);
  const node = new Map(keys.map((k, j) => [k, count + 1 + j]));
  const joins = new Map(); // lo * size + hi -> [lo, hi, lowest height, meetings that low]
  eachMeeting((t, k, o, hgt) => {
    const other = k > -2 ? node.get(k) : o;
    const lo = Math.min(t, other);
    const hi = Math.max(t, other);
    const id = lo * (count + 2 + keys.length) + hi;
    const was = joins.get(id);
    if (was === undefined) joins.set(id, [lo, hi, hgt, 1]);
    else if (hgt < was[2]) { was[2] = hgt; was[3] = 1; }
    else if (hgt === was[2]) was[3]++;
  });
  // Lowest first; of joins as low (thick black lines all saturate the 3x3 sums), the longer first,
  // lengths compared in powers of two (a few pixels, which come and go with the picture's size, decide nothing).
  const bits = (v) => Math.floor(Math.log2(v));
  const order = [...joins.values()].sort((a, b) => a[2] - b[2] || bits(b[3]) - bits(a[3]) || a[0] - b[0] || a[1] - b[1]);
  const size = count + 2 + keys.length;
  const parent = new Int32Array(size);
  const colourNode = new Int32Array(size).fill(-1);
  for (let i = 0; i < size; i++) parent[i] = i;
  for (let j = 0; j < keys.length; j++) colourNode[count + 1 + j] = count + 1 + j;
  const root = (i) => {
    while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; }
    return i;
  };
  for (const [u, v] of order) {
    const ru = root(u);
    const rv = root(v);
    if (ru === rv || (colourNode[ru] >= 0 && colourNode[rv] >= 0)) continue;
    parent[ru] = rv;
    if (colourNode[rv] < 0) colourNode[rv] = colourNode[ru];
  }
  for (let r = 1; r <= count; r++) {
    if (!takers[r]) continue;
    const c = colourNode[root(r)];
    if (c < 0) continue;
    const k = keys[c - count - 1];
    if (k < 0) continue; // the paper's group: left to the model
    known[r] = 1;
    colours[3 * r] = (k >> 16) & 255;
    colours[3 * r + 1] = (k >> 8) & 255;
    colours[3 * r + 2] = k & 255;
  }
  return { known, colours };
}

// sketch: RGBA bytes of width x height; coloured: the model's RGBA result
// (cw x ch) or null; hints: [{x, y, radius, colour: [r, g, b]}] in the
// sketch's pixels; references: prepared reference pictures
// (reference.js prepareReference), asked after the hints and before the
// hints' flow through gaps, their reach over drawn lines and the model. Returns the painted RGBA bytes (alpha 255), the flats, the paper
// and, with references, each pixel's region match confidence (0-255).
export function paint(sketch, width, height, coloured, cw, ch, hints = [], references = []) {
  const n = width * height;
  const ink = findInk(sketch, width, height);
  const lines = areaLines(ink, width, height);
  const regions = findRegions(lines, width, height);
  regions.lines = lines; // the ink that bounds areas (regions.py Regions.shading: the rest)
  const { count, labels, background } = regions;
  const table = new Float64Array(3 * (count + 1));
  for (let r = 0; r <= count; r++) for (let c = 0; c < 3; c++) table[3 * r + c] = ink.paper[c];
  const model = coloured ? modelColours(regions, ink, width, height, coloured, cw, ch) : null;
  const hinted = hintColours(regions, ink, width, height, hints);
  const ref = references.length ? referencePalette(regions, ink.mask, width, height, references) : null;
  const settled = new Uint8Array(count + 1); // regions the reference coloured and no dot did
  if (ref) for (let r = 1; r <= count; r++) settled[r] = ref.known[r] && !hinted.known[r] ? 1 : 0;
  const flowed = flowedHints(regions, ink, width, height, hinted, settled);
  const reached = reachedHints(regions, ink, width, height, hinted, flowed, settled);
  const edge = new Uint8Array(count + 1); // regions on the picture's border: the page's, as the background
  eachBorderPixel(width, height, (i) => { edge[labels[i]] = 1; });
  for (let r = 1; r <= count; r++) {
    let source = null;
    if (hinted.known[r]) source = hinted.colours;
    else if (ref && ref.known[r]) source = ref.colours;
    else if (flowed.known[r]) source = flowed.colours;
    else if (reached.known[r]) source = reached.colours;
    else if (model && !background[r] && !edge[r]) source = model;
    if (source) for (let c = 0; c < 3; c++) table[3 * r + c] = source[3 * r + c];
  }
  let match = null;
  if (ref) {
    match = new Uint8Array(n);
    for (let i = 0; i < n; i++) match[i] = Math.round(Math.min(Math.max(ref.confidence[labels[i]], 0), 1) * 255);
  }
  const flat = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) flat[3 * i + c] = Math.round(table[3 * labels[i] + c]);
  if (ref) {
    for (const { region, pixels } of ref.split) {
      if (hinted.known[region]) continue;
      for (const [i, rgb] of pixels) for (let c = 0; c < 3; c++) flat[3 * i + c] = rgb[c];
    }
  }
  for (const { pixels } of hinted.split) for (const [i, rgb] of pixels) for (let c = 0; c < 3; c++) flat[3 * i + c] = rgb[c];
  const out = new Uint8ClampedArray(4 * n);
  const scale = ink.paper.map((p) => f32(1 / p));
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const shade = Math.min(f32(f32(sketch[4 * i + c] * scale[c]) / (ink.light ? ink.light[i] : 1)), 1);
      out[4 * i + c] = Math.round(f32(flat[3 * i + c] * shade));
    }
    out[4 * i + 3] = 255;
  }
  return { image: out, flats: flat, paper: ink.paper, light: ink.light, match };
}

// The layers a colourist keeps (paint/composite.py): the flats (RGBA), the
// lines on transparency for a multiply layer (opacity = the darkest
// channel's darkness, colour = 1 - (1 - shade) / opacity), and the model's
// colours (sampled at the nearest pixel of its size) over the flats.
export function layers(sketch, width, height, painting, coloured, cw, ch) {
  const n = width * height;
  const flats = new Uint8ClampedArray(4 * n);
  const lines = new Uint8ClampedArray(4 * n);
  const shading = new Uint8ClampedArray(4 * n);
  const scale = painting.paper.map((p) => f32(1 / p));
  for (let i = 0; i < n; i++) {
    const lit = painting.light ? painting.light[i] : 1;
    const shade = [0, 1, 2].map((c) => Math.min(f32(f32(sketch[4 * i + c] * scale[c]) / lit), 1));
    const alpha = 1 - Math.min(...shade);
    const y = Math.min(Math.floor(((Math.floor(i / width) + 0.5) * ch) / height), ch - 1);
    const x = Math.min(Math.floor((((i % width) + 0.5) * cw) / width), cw - 1);
    for (let c = 0; c < 3; c++) {
      flats[4 * i + c] = painting.flats[3 * i + c];
      lines[4 * i + c] = Math.round(255 * (1 - (1 - shade[c]) / Math.max(alpha, 1e-6)));
      shading[4 * i + c] = Math.round((255 * coloured[4 * (y * cw + x) + c]) / Math.max(painting.flats[3 * i + c], 1));
    }
    flats[4 * i + 3] = 255;
    lines[4 * i + 3] = Math.round(alpha * 255);
    shading[4 * i + 3] = 255;
  }
  return { flats, lines, shading };
}
