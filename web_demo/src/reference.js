// Reference colouring, step for step as keras_anime_cyclegan/paint/reference.py:
// the reference's own parts from its colours and lines, its placement over
// the sketch (a chamfer search over mirror, turn, scale and shift, coarse
// then refined), and each region's vote for the colour it sees there. The
// page asks this palette after the hints and before the model's colours.

import { findRegions, grow } from "./paint.js";

const f32 = Math.fround;
const REFERENCE_SIDE = 1024;
const COARSE_SIDE = 64;
const FINE_SIDE = 256;
const MAX_TURN = 15;
const TURN_STEP = 5;
const SCALE_STEPS = 4;
const SHIFT_RANGE = 0.25;
const SHIFT_STEP = 2;
const TRUNCATE = 4;
const POINTS = 200;
const KEEP = 3;
const LINE_DARKNESS = 96;
const LINE_WIDTH = 7 / 1024;
const EDGE_STEP = 32;
const AGREE = 48;
const SEEN = 0.5;
const MIN_CONFIDENCE = 0.4;
const BACKGROUND_CONFIDENCE = 0.8;
const SPLIT_SHARE = 0.1;
const MAX_SPLIT = 4;
const WHOLE_PAGE_SCORE = 0.85;
const FIGURE_SHARE = 0.1;
const FIGURE_MARGIN = 0.02;
const SAMPLES = 1000000;

export { REFERENCE_SIDE };

// A mask shrunk by a whole factor to at most `side`, a block set if any pixel is.
function blockAny(mask, width, height, side) {
  const f = Math.max(1, Math.ceil(Math.max(width, height) / side));
  if (f === 1) return { mask, width, height, f };
  const bw = Math.ceil(width / f);
  const bh = Math.ceil(height / f);
  const out = new Uint8Array(bw * bh);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / f) * bw;
    for (let x = 0; x < width; x++) if (mask[y * width + x]) out[row + Math.floor(x / f)] = 1;
  }
  return { mask: out, width: bw, height: bh, f };
}

// Erosion (outside counts as unset) then dilation by a size x size square.
function opening(mask, width, height, size) {
  const r = size >> 1;
  const pass = (src, horizontal, all) => {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = all ? 1 : 0;
        for (let d = -r; d <= r; d++) {
          const xx = horizontal ? x + d : x;
          const yy = horizontal ? y : y + d;
          const inside = xx >= 0 && xx < width && yy >= 0 && yy < height;
          const s = inside ? src[yy * width + xx] : 0;
          if (all && !s) { v = 0; break; }
          if (!all && inside && s) { v = 1; break; }
        }
        out[y * width + x] = v;
      }
    }
    return out;
  };
  const eroded = pass(pass(mask, true, true), false, true);
  return pass(pass(eroded, true, false), false, false);
}

// rgba: the reference's RGBA bytes (at most REFERENCE_SIDE on its longer side; the page shrinks it first).
export function prepareReference(rgba, width, height) {
  const n = width * height;
  const colours = new Uint8Array(3 * n);
  const dark = new Uint8Array(n);
  const transparent = new Uint8Array(n);
  let hasAlpha = false;
  for (let i = 0; i < n; i++) {
    const a = rgba[4 * i + 3];
    for (let c = 0; c < 3; c++) {
      // transparent parts read as white, as inference/io.py composites them
      const v = rgba[4 * i + c];
      colours[3 * i + c] = a === 255 ? v : Math.round((v * a + 255 * (255 - a)) / 255);
    }
    if (a < 255) hasAlpha = true;
    transparent[i] = a < 128 ? 1 : 0;
    const luma = f32(f32(f32(colours[3 * i] * f32(0.299)) + f32(colours[3 * i + 1] * f32(0.587))) + f32(colours[3 * i + 2] * f32(0.114)));
    dark[i] = luma < LINE_DARKNESS ? 1 : 0;
  }
  const size = Math.max(3, Math.round(LINE_WIDTH * Math.max(width, height)) | 1);
  const opened = opening(dark, width, height, size);
  const line = new Uint8Array(n);
  for (let i = 0; i < n; i++) line[i] = dark[i] && !opened[i] ? 1 : 0;
  const edge = line.slice();
  const step = (i, j) => {
    let m = 0;
    for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(colours[3 * i + c] - colours[3 * j + c]));
    return m > EDGE_STEP;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (y > 0 && step(i, i - width)) edge[i] = 1;
      if (x > 0 && step(i, i - 1)) edge[i] = 1;
    }
  }
  let background;
  if (hasAlpha) background = transparent;
  else {
    const regions = findRegions(edge, width, height);
    background = new Uint8Array(n);
    for (let i = 0; i < n; i++) background[i] = regions.background[regions.labels[i]];
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (y > 0 && background[i] !== background[i - width]) edge[i] = 1;
      if (x > 0 && background[i] !== background[i - 1]) edge[i] = 1;
    }
  }
  const usable = new Uint8Array(n);
  for (let i = 0; i < n; i++) usable[i] = !background[i] && !line[i] ? 1 : 0;
  return { colours, usable, width, height, edges: blockAny(edge, width, height, FINE_SIDE) };
}

function points(m, count) {
  let total = 0;
  for (let i = 0; i < m.mask.length; i++) total += m.mask[i];
  const step = Math.max(1, Math.ceil(total / count));
  const out = [];
  let k = 0;
  for (let i = 0; i < m.mask.length; i++) {
    if (!m.mask[i]) continue;
    if (k % step === 0) out.push([i % m.width, Math.floor(i / m.width)]);
    k++;
  }
  return out;
}

// Each pixel's Euclidean distance to the mask, capped at TRUNCATE (float32).
function distances(m) {
  const { width, height } = m;
  const out = new Float32Array(width * height).fill(TRUNCATE);
  const r = TRUNCATE;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!m.mask[y * width + x]) continue;
      for (let dy = -r; dy <= r; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const d = f32(Math.min(Math.sqrt(dx * dx + dy * dy), TRUNCATE));
          const j = yy * width + xx;
          if (d < out[j]) out[j] = d;
        }
      }
    }
  }
  return { dt: out, width, height };
}

const mean2 = (pts) => {
  let x = 0;
  let y = 0;
  for (const p of pts) { x += p[0]; y += p[1]; }
  return [x / pts.length, y / pts.length];
};

function spread(pts) {
  const [cx, cy] = mean2(pts);
  let s = 0;
  for (const [x, y] of pts) s += (x - cx) ** 2 + (y - cy) ** 2;
  return Math.sqrt(s / pts.length);
}

// [[a, b, tx], [c, d, ty]]: reference -> sketch: mirror about `centre`, turn, scale, centre to `origin`.
function transform(mirrored, turn, scale, centre, origin) {
  const t = (turn * Math.PI) / 180;
  let a = scale * Math.cos(t);
  let b = -scale * Math.sin(t);
  const c = scale * Math.sin(t);
  let d = scale * Math.cos(t);
  let c2 = c;
  if (mirrored) { a = -a; c2 = -c; }
  return [a, b, origin[0] - (a * centre[0] + b * centre[1]), c2, d, origin[1] - (c2 * centre[0] + d * centre[1])];
}

function invert(m) {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

function lookup(dist, x, y) {
  const xi = Math.floor(x + 0.5);
  const yi = Math.floor(y + 0.5);
  if (xi < 0 || xi >= dist.width || yi < 0 || yi >= dist.height) return TRUNCATE;
  return dist.dt[yi * dist.width + xi];
}

function meanLookup(dist, pts, m, sx = 0, sy = 0) {
  let s = 0;
  for (const [x, y] of pts) s += lookup(dist, m[0] * x + m[1] * y + m[2] + sx, m[3] * x + m[4] * y + m[5] + sy);
  return s / pts.length;
}

function cost(refPts, inkPts, refDt, inkDt, m) {
  return meanLookup(inkDt, refPts, m) + meanLookup(refDt, inkPts, invert(m));
}

function refine(refPts, inkPts, refDt, inkDt, centre, mirrored, params) {
  let steps = [2.0, 2 ** (1 / 12), 2.0, 2.0];
  const costOf = (p) => cost(refPts, inkPts, refDt, inkDt, transform(mirrored, p[0], p[1], centre, [p[2], p[3]]));
  let best = costOf(params);
  for (let round = 0; round < 4; round++) {
    let improved = true;
    while (improved) {
      improved = false;
      for (let i = 0; i < 4; i++) {
        for (const sign of [1, -1]) {
          const trial = params.slice();
          trial[i] = i === 1 ? trial[i] * steps[i] ** sign : trial[i] + sign * steps[i];
          const c = costOf(trial);
          if (c < best - 1e-9) { best = c; params = trial; improved = true; }
        }
      }
    }
    steps = [steps[0] / 2, Math.sqrt(steps[1]), steps[2] / 2, steps[3] / 2];
  }
  return { params, cost: best };
}

// The reference's placement over a sketch whose ink is `ink` (width x height):
// {matrix: sketch pixel -> reference pixel, mirrored, turn, scale, score}.
export function align(reference, ink, width, height) {
  const fineInk = blockAny(ink, width, height, FINE_SIDE);
  const fineRef = reference.edges;
  const coarseInk = blockAny(fineInk.mask, fineInk.width, fineInk.height, COARSE_SIDE);
  const coarseRef = blockAny(fineRef.mask, fineRef.width, fineRef.height, COARSE_SIDE);
  let refPts = points(coarseRef, POINTS);
  let inkPts = points(coarseInk, POINTS);
  if (!refPts.length || !inkPts.length) {
    const sx = reference.width / width;
    const sy = reference.height / height;
    return { matrix: [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5], mirrored: false, turn: 0, scale: 1, score: 0 };
  }
  let refDt = distances(coarseRef);
  let inkDt = distances(coarseInk);
  const refC = mean2(refPts);
  const inkC = mean2(inkPts);
  const s0 = spread(inkPts) / Math.max(spread(refPts), 1e-6);
  const reach = Math.round(SHIFT_RANGE * Math.max(coarseInk.width, coarseInk.height));
  const shifts = [];
  for (let s = -reach; s <= reach; s += SHIFT_STEP) shifts.push(s);
  const best = [];
  for (const mirrored of [false, true]) {
    for (let turn = -MAX_TURN; turn <= MAX_TURN; turn += TURN_STEP) {
      for (let k = -SCALE_STEPS; k <= SCALE_STEPS; k++) {
        const scale = s0 * 2 ** (k / 6);
        const t = transform(mirrored, turn, scale, refC, inkC);
        const inv = invert(t);
        let top = null;
        for (const dy of shifts) {
          for (const dx of shifts) {
            // a shift in sketch space, in reference space
            const bx = -(inv[0] * dx + inv[1] * dy);
            const by = -(inv[3] * dx + inv[4] * dy);
            const c = f32(f32(meanLookup(inkDt, refPts, t, dx, dy)) + f32(meanLookup(refDt, inkPts, inv, bx, by)));
            if (top === null || c < top[0]) top = [c, mirrored, turn, scale, dx, dy];
          }
        }
        best.push(top);
      }
    }
  }
  best.sort((p, q) => p[0] - q[0]);
  refPts = points(fineRef, 5 * POINTS);
  inkPts = points(fineInk, 5 * POINTS);
  refDt = distances(fineRef);
  inkDt = distances(fineInk);
  const cRef = coarseRef.f;
  const cInk = coarseInk.f;
  const centre = [refC[0] * cRef + (cRef - 1) / 2, refC[1] * cRef + (cRef - 1) / 2];
  let chosen = null;
  for (const [, mirrored, turn, scale, tx, ty] of best.slice(0, KEEP)) {
    const origin = [(inkC[0] + tx) * cInk + (cInk - 1) / 2, (inkC[1] + ty) * cInk + (cInk - 1) / 2];
    const r = refine(refPts, inkPts, refDt, inkDt, centre, mirrored, [turn, (scale * cInk) / cRef, origin[0], origin[1]]);
    if (chosen === null || r.cost < chosen.cost) chosen = { ...r, mirrored };
  }
  const [turn, scale, ox, oy] = chosen.params;
  const forward = transform(chosen.mirrored, turn, scale, centre, [ox, oy]);
  const inverse = invert(forward);
  let a = 0;
  for (const [x, y] of refPts) a += lookup(inkDt, forward[0] * x + forward[1] * y + forward[2], forward[3] * x + forward[4] * y + forward[5]) <= 2;
  let b = 0;
  for (const [x, y] of inkPts) b += lookup(refDt, inverse[0] * x + inverse[1] * y + inverse[2], inverse[3] * x + inverse[4] * y + inverse[5]) <= 2;
  const score = Math.sqrt((a / refPts.length) * (b / inkPts.length));
  // sketch pixels -> sketch fine -> reference fine -> reference pixels
  const fi = fineInk.f;
  const fr = Math.max(reference.width, reference.height) / Math.max(fineRef.width, fineRef.height);
  const toFine = [1 / fi, 0, -0.5 + 0.5 / fi, 0, 1 / fi, -0.5 + 0.5 / fi];
  const m = compose(inverse, toFine);
  const matrix = [fr * m[0], fr * m[1], fr * m[2] + 0.5 * fr - 0.5, fr * m[3], fr * m[4], fr * m[5] + 0.5 * fr - 0.5];
  return { matrix, mirrored: chosen.mirrored, turn, scale: (scale * fi) / fr, score };
}

// p -> outer(inner(p))
function compose(outer, inner) {
  const [a, b, c, d, e, f] = outer;
  const [g, h, i, j, k, l] = inner;
  return [a * g + b * j, a * h + b * k, a * i + b * l + c, d * g + e * j, d * h + e * k, d * i + e * l + f];
}

// The separate figures of the page, as windows [y0, y1, x0, x1]; [null] for one figure.
function figures(regions, width, height) {
  const figure = new Uint8Array(width * height);
  for (let i = 0; i < figure.length; i++) figure[i] = regions.background[regions.labels[i]] ? 0 : 1;
  const small = blockAny(figure, width, height, 2 * COARSE_SIDE);
  const { width: w, height: h, f } = small;
  const parts = new Int32Array(w * h);
  const boxes = [null];
  const stack = [];
  let count = 0;
  for (let start = 0; start < parts.length; start++) {
    if (!small.mask[start] || parts[start]) continue;
    parts[start] = ++count;
    const box = [Infinity, -1, Infinity, -1, 0];
    stack.push(start);
    while (stack.length) {
      const i = stack.pop();
      const x = i % w;
      const y = Math.floor(i / w);
      box[0] = Math.min(box[0], y); box[1] = Math.max(box[1], y + 1);
      box[2] = Math.min(box[2], x); box[3] = Math.max(box[3], x + 1); box[4]++;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (small.mask[j] && !parts[j]) { parts[j] = count; stack.push(j); }
        }
      }
    }
    boxes.push(box);
  }
  if (count < 2) return [null];
  const largest = Math.max(...boxes.slice(1).map((b) => b[4]));
  const kept = boxes.slice(1).filter((b) => b[4] >= FIGURE_SHARE * largest);
  if (kept.length < 2) return [null];
  const margin = Math.max(1, Math.trunc(FIGURE_MARGIN * Math.max(w, h)));
  return kept.map((b) => [
    Math.max(b[0] - margin, 0) * f, Math.min((b[1] + margin) * f, height),
    Math.max(b[2] - margin, 0) * f, Math.min((b[3] + margin) * f, width),
  ]);
}

function crop(mask, width, win) {
  const [y0, y1, x0, x1] = win;
  const out = new Uint8Array((y1 - y0) * (x1 - x0));
  for (let y = y0; y < y1; y++) out.set(mask.subarray(y * width + x0, y * width + x1), (y - y0) * (x1 - x0));
  return out;
}

function vote(regions, ink, width, height, reference, matrix, win) {
  const { labels, count } = regions;
  const stride = Math.max(1, Math.ceil(Math.sqrt((width * height) / SAMPLES)));
  const rows = [];
  const cols = [];
  for (let y = stride >> 1; y < height; y += stride) rows.push(y);
  for (let x = stride >> 1; x < width; x += stride) cols.push(x);
  const sw = cols.length;
  const sh = rows.length;
  const sampledInk = new Uint8Array(sw * sh);
  for (let r = 0; r < sh; r++) for (let c = 0; c < sw; c++) sampledInk[r * sw + c] = ink[rows[r] * width + cols[c]];
  const samples = new Float64Array(count + 1);
  const votes = [];
  const m = matrix;
  for (let r = 0; r < sh; r++) {
    for (let c = 0; c < sw; c++) {
      const i = r * sw + c;
      // the sample or a 4-neighbour on ink: too near a line to vote
      if (sampledInk[i] || (c > 0 && sampledInk[i - 1]) || (c < sw - 1 && sampledInk[i + 1]) ||
          (r > 0 && sampledInk[i - sw]) || (r < sh - 1 && sampledInk[i + sw])) continue;
      const y = rows[r];
      const x = cols[c];
      const label = labels[y * width + x];
      if (win && (y < win[0] || y >= win[1] || x < win[2] || x >= win[3])) continue;
      samples[label]++;
      const rx = Math.floor(m[0] * x + m[1] * y + m[2] + 0.5);
      const ry = Math.floor(m[3] * x + m[4] * y + m[5] + 0.5);
      if (rx < 0 || rx >= reference.width || ry < 0 || ry >= reference.height) continue;
      const j = ry * reference.width + rx;
      if (!reference.usable[j]) continue;
      votes.push(label, reference.colours[3 * j], reference.colours[3 * j + 1], reference.colours[3 * j + 2]);
    }
  }
  const tally = new Map(); // region * 4096 + bin -> count
  for (let k = 0; k < votes.length; k += 4) {
    const key = votes[k] * 4096 + ((votes[k + 1] >> 4) << 8 | (votes[k + 2] >> 4) << 4 | (votes[k + 3] >> 4));
    tally.set(key, (tally.get(key) || 0) + 1);
  }
  const winner = new Int32Array(count + 1).fill(-1);
  const winCount = new Float64Array(count + 1);
  for (const [key, n] of tally) {
    const region = Math.floor(key / 4096);
    const bin = key % 4096;
    if (n > winCount[region] || (n === winCount[region] && bin > winner[region])) { winCount[region] = n; winner[region] = bin; }
  }
  const sums = new Float64Array(3 * (count + 1));
  for (let k = 0; k < votes.length; k += 4) {
    const region = votes[k];
    const bin = (votes[k + 1] >> 4) << 8 | (votes[k + 2] >> 4) << 4 | (votes[k + 3] >> 4);
    if (bin === winner[region]) for (let c = 0; c < 3; c++) sums[3 * region + c] += votes[k + 1 + c];
  }
  const colours = new Float64Array(3 * (count + 1));
  for (let r = 1; r <= count; r++) if (winner[r] >= 0) for (let c = 0; c < 3; c++) colours[3 * r + c] = f32(sums[3 * r + c] / winCount[r]);
  const agree = new Float64Array(count + 1);
  const cast = new Float64Array(count + 1);
  for (let k = 0; k < votes.length; k += 4) {
    const region = votes[k];
    cast[region]++;
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(votes[k + 1 + c] - colours[3 * region + c]));
    if (d <= AGREE) agree[region]++;
  }
  const confidence = new Float32Array(count + 1);
  const seen = new Float64Array(count + 1);
  for (let r = 1; r <= count; r++) {
    const share = cast[r] > 0 ? agree[r] / cast[r] : 0;
    seen[r] = samples[r] > 0 ? cast[r] / samples[r] : 0;
    confidence[r] = share * Math.min(seen[r] / SEEN, 1);
  }
  // Regions the reference shows in several colours (paint/reference.py _main_colours).
  const candidates = new Set();
  for (const [key, n] of tally) {
    const region = Math.floor(key / 4096);
    if (n >= SPLIT_SHARE * cast[region] && key % 4096 !== winner[region]) candidates.add(region);
  }
  const splits = new Map();
  if (candidates.size) {
    const byRegion = new Map();
    for (const r of candidates) byRegion.set(r, []);
    for (let k = 0; k < votes.length; k += 4) {
      const list = byRegion.get(votes[k]);
      if (list) list.push(votes[k + 1], votes[k + 2], votes[k + 3]);
    }
    const far = (v, i, c) => Math.max(Math.abs(v[i] - c[0]), Math.abs(v[i + 1] - c[1]), Math.abs(v[i + 2] - c[2])) > AGREE;
    for (const r of [...candidates].sort((a, b) => a - b)) {
      const v = byRegion.get(r);
      const n = v.length / 3;
      const main = [[colours[3 * r], colours[3 * r + 1], colours[3 * r + 2]]];
      const rest = new Uint8Array(n);
      let left = 0;
      for (let i = 0; i < n; i++) { rest[i] = far(v, 3 * i, main[0]) ? 1 : 0; left += rest[i]; }
      while (left >= SPLIT_SHARE * n && main.length < MAX_SPLIT) {
        const hist = new Int32Array(4096);
        for (let i = 0; i < n; i++) if (rest[i]) hist[(v[3 * i] >> 4) << 8 | (v[3 * i + 1] >> 4) << 4 | (v[3 * i + 2] >> 4)]++;
        let top = 0;
        for (let b = 1; b < 4096; b++) if (hist[b] > hist[top]) top = b;
        const sum = [0, 0, 0];
        let m = 0;
        for (let i = 0; i < n; i++) {
          if (rest[i] && ((v[3 * i] >> 4) << 8 | (v[3 * i + 1] >> 4) << 4 | (v[3 * i + 2] >> 4)) === top) {
            for (let c = 0; c < 3; c++) sum[c] += v[3 * i + c];
            m++;
          }
        }
        const colour = sum.map((x) => f32(x / m));
        main.push(colour);
        left = 0;
        for (let i = 0; i < n; i++) { if (rest[i] && !far(v, 3 * i, colour)) rest[i] = 0; left += rest[i]; }
      }
      if (main.length > 1) {
        splits.set(r, main);
        let close = 0;
        for (let i = 0; i < n; i++) if (main.some((c) => !far(v, 3 * i, c))) close++;
        confidence[r] = (close / n) * Math.min(seen[r] / SEEN, 1);
      }
    }
  }
  return { colours, confidence, splits };
}

// Each region's bounding box [y0, y1, x0, x1] (inclusive), in one pass (as scipy's find_objects).
function regionBoxes(regions, width) {
  const boxes = Array.from({ length: regions.count + 1 }, () => [Infinity, -1, Infinity, -1]);
  const { labels } = regions;
  for (let i = 0; i < labels.length; i++) {
    const b = boxes[labels[i]];
    const x = i % width;
    const y = (i - x) / width;
    if (y < b[0]) b[0] = y;
    if (y > b[1]) b[1] = y;
    if (x < b[2]) b[2] = x;
    if (x > b[3]) b[3] = x;
  }
  return boxes;
}

// The pixels of a region the reference shows in several colours, each the
// one of `main` its place in the placed reference has (paint/reference.py
// _split_pixels); pixels it does not show take their nearest neighbour's.
function splitPixels(regions, width, reference, matrix, region, main, box) {
  const { labels } = regions;
  const [y0, y1, x0, x1] = box;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const picked = new Int32Array(w * h); // choice + 1, 0 where the reference does not say
  const m = matrix;
  let any = false;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = x + x0;
      const py = y + y0;
      const rx = Math.floor(m[0] * px + m[1] * py + m[2] + 0.5);
      const ry = Math.floor(m[3] * px + m[4] * py + m[5] + 0.5);
      if (rx < 0 || rx >= reference.width || ry < 0 || ry >= reference.height) continue;
      const j = ry * reference.width + rx;
      if (!reference.usable[j]) continue;
      let best = 0;
      let bestD = Infinity;
      for (let k = 0; k < main.length; k++) {
        let d = 0;
        for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(f32(reference.colours[3 * j + c]) - main[k][c]));
        if (d < bestD) { bestD = d; best = k; }
      }
      if (bestD <= AGREE) { picked[y * w + x] = best + 1; any = true; }
    }
  }
  if (!any) return null;
  grow(picked, w, h);
  const table = main.map((c) => c.map((v) => Math.min(Math.max(Math.round(v), 0), 255)));
  const pixels = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y + y0) * width + x + x0;
      if (labels[i] === region) pixels.push([i, table[picked[y * w + x] - 1]]);
    }
  }
  return { region, pixels };
}

// A palette {colours (Float64, 3 per region), known (Uint8)} of the regions the
// references explain, and each region's confidence (Float32).
export function referencePalette(regions, ink, width, height, references) {
  const { count } = regions;
  const colours = new Float64Array(3 * (count + 1));
  const confidence = new Float32Array(count + 1);
  // The whole page first; figure by figure when no placement explains its ink.
  let placements = references.map((ref) => {
    const a = align(ref, ink, width, height);
    return [ref, a.matrix, null, a.score];
  });
  const wins = Math.max(...placements.map((p) => p[3])) < WHOLE_PAGE_SCORE ? figures(regions, width, height) : [null];
  if (wins[0] !== null) {
    placements = [];
    for (const win of wins) {
      const [y0, y1, x0, x1] = win;
      let best = null;
      for (const ref of references) {
        const a = align(ref, crop(ink, width, win), x1 - x0, y1 - y0);
        if (best === null || a.score > best[1].score) best = [ref, a];
      }
      const m = best[1].matrix;
      placements.push([best[0], [m[0], m[1], m[2] - m[0] * x0 - m[1] * y0, m[3], m[4], m[5] - m[3] * x0 - m[4] * y0], win]);
    }
  }
  const splitBy = new Map();
  for (const [ref, matrix, win] of placements) {
    const v = vote(regions, ink, width, height, ref, matrix, win);
    for (let r = 1; r <= count; r++) {
      if (v.confidence[r] > confidence[r]) {
        confidence[r] = v.confidence[r];
        for (let c = 0; c < 3; c++) colours[3 * r + c] = v.colours[3 * r + c];
        splitBy.delete(r);
        if (v.splits.has(r)) splitBy.set(r, [ref, matrix, v.splits.get(r)]);
      }
    }
  }
  const known = new Uint8Array(count + 1);
  for (let r = 1; r <= count; r++) {
    known[r] = confidence[r] >= (regions.background[r] ? BACKGROUND_CONFIDENCE : MIN_CONFIDENCE) ? 1 : 0;
  }
  const split = [];
  const boxes = splitBy.size ? regionBoxes(regions, width) : null;
  for (const [r, [ref, matrix, main]] of [...splitBy].sort((a, b) => a[0] - b[0])) {
    if (!known[r]) continue;
    const entry = splitPixels(regions, width, ref, matrix, r, main, boxes[r]);
    if (entry) split.push(entry);
  }
  return { colours, known, confidence, split };
}
