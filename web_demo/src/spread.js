// The hint spread for a colouriser exported without it (metadata.json
// "hints" "spread"): each hint grown through the sketch's paper before the
// model runs, as keras_anime_cyclegan.inference.spread.spread_hints does
// (and, inside the Keras model, models.layers.HintSpread). A search that
// visits each pixel once, where the graph's version pools the whole
// picture every round. tests/test_paint_js.py checks it against Python.
//
// The rule: paper is every pixel whose RGB mean is above 0. At half size
// each 2x2 block carries the mean colour of its hinted pixels and is paper
// if its four pixels are and its 2x2 neighbourhood (itself, right, below,
// below-right) is paper too; `rounds` rounds follow in which each unhinted
// paper block beside hinted ones takes their mean colour. Back at full
// size each unhinted paper pixel takes its block's colour if the block was
// reached, and two more such rounds fill the pixels beside the lines.

const CHANNELS = 7; // sketch RGB, hint RGB, mask

// data: Float32Array of height x width x 7 (NHWC, one picture), changed in
// place and returned. Width and height must be even.
export function spreadHints(data, width, height, rounds) {
  if (width % 2 || height % 2) throw new Error(`The hint spread needs an even width and height, not ${width}x${height}.`);
  const n = width * height;
  const mask = new Uint8Array(n);
  const paper = new Uint8Array(n);
  let any = false;
  for (let i = 0, j = 0; i < n; i++, j += CHANNELS) {
    mask[i] = data[j + 6] > 0 ? 1 : 0;
    paper[i] = data[j] + data[j + 1] + data[j + 2] > 0 ? 1 : 0;
    any = any || mask[i] === 1;
  }
  if (!rounds || !any) return data;

  // Half size: block means of the hinted colours, and paper blocks.
  const hw = width / 2, hh = height / 2;
  const low = new Float32Array((hh + 2) * (hw + 2) * 4);
  const blockPaper = new Uint8Array(hw * hh);
  for (let by = 0; by < hh; by++) {
    for (let bx = 0; bx < hw; bx++) {
      let r = 0, g = 0, b = 0, count = 0, allPaper = 1;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const i = (2 * by + dy) * width + 2 * bx + dx;
          allPaper &= paper[i];
          if (mask[i]) {
            const j = i * CHANNELS;
            r += data[j + 3]; g += data[j + 4]; b += data[j + 5]; count++;
          }
        }
      }
      blockPaper[by * hw + bx] = allPaper;
      if (count) {
        const k = ((by + 1) * (hw + 2) + bx + 1) * 4;
        low[k] = r / count; low[k + 1] = g / count; low[k + 2] = b / count; low[k + 3] = 1;
      }
    }
  }
  // A block is paper only if its 2x2 neighbourhood is (closes diagonal gaps).
  const closed = new Uint8Array(hw * hh);
  for (let by = 0; by < hh; by++) {
    for (let bx = 0; bx < hw; bx++) {
      let v = blockPaper[by * hw + bx];
      if (by + 1 < hh) v &= blockPaper[(by + 1) * hw + bx];
      if (bx + 1 < hw) v &= blockPaper[by * hw + bx + 1];
      if (by + 1 < hh && bx + 1 < hw) v &= blockPaper[(by + 1) * hw + bx + 1];
      closed[by * hw + bx] = v;
    }
  }
  grow(low, closed, hw, hh, rounds);

  // Full size: the user's hints kept, reached paper takes its block's colour.
  const full = new Float32Array((height + 2) * (width + 2) * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const k = ((y + 1) * (width + 2) + x + 1) * 4;
      if (mask[i]) {
        const j = i * CHANNELS;
        full[k] = data[j + 3]; full[k + 1] = data[j + 4]; full[k + 2] = data[j + 5]; full[k + 3] = 1;
      } else if (paper[i]) {
        const l = (((y >> 1) + 1) * (hw + 2) + (x >> 1) + 1) * 4;
        if (low[l + 3]) {
          full[k] = low[l]; full[k + 1] = low[l + 1]; full[k + 2] = low[l + 2]; full[k + 3] = 1;
        }
      }
    }
  }
  grow(full, paper, width, height, 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const j = (y * width + x) * CHANNELS;
      const k = ((y + 1) * (width + 2) + x + 1) * 4;
      data[j + 3] = full[k]; data[j + 4] = full[k + 1]; data[j + 5] = full[k + 2]; data[j + 6] = full[k + 3];
    }
  }
  return data;
}

// `rounds` rounds over `state` (colour and a 0/1 hinted flag per pixel, with
// a one-pixel border that is never hinted nor paper): each round, every
// unhinted paper pixel beside hinted ones takes the mean colour of its
// hinted 3x3 neighbours, all computed from the round's start.
function grow(state, paper, width, height, rounds) {
  const stride = width + 2;
  const open = new Uint8Array((height + 2) * stride);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y + 1) * stride + x + 1;
      open[p] = paper[y * width + x] && !state[p * 4 + 3] ? 1 : 0;
    }
  }
  const offsets = new Int32Array(9);
  for (let dy = -1, o = 0; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) offsets[o++] = dy * stride + dx;
  let front = [];
  for (let p = 0; p < open.length; p++) {
    if (!open[p]) continue;
    for (let o = 0; o < 9; o++) {
      if (state[(p + offsets[o]) * 4 + 3]) {
        front.push(p);
        break;
      }
    }
  }
  const seen = new Int32Array(open.length).fill(-1);
  for (let step = 0; step < rounds && front.length; step++) {
    const values = new Float32Array(front.length * 3);
    for (let f = 0; f < front.length; f++) {
      const p = front[f];
      let r = 0, g = 0, b = 0, count = 0;
      for (let o = 0; o < 9; o++) {
        const q = (p + offsets[o]) * 4;
        r += state[q]; g += state[q + 1]; b += state[q + 2]; count += state[q + 3];
      }
      values[3 * f] = r / count; values[3 * f + 1] = g / count; values[3 * f + 2] = b / count;
    }
    const next = [];
    for (let f = 0; f < front.length; f++) {
      const p = front[f];
      state[p * 4] = values[3 * f]; state[p * 4 + 1] = values[3 * f + 1]; state[p * 4 + 2] = values[3 * f + 2];
      state[p * 4 + 3] = 1;
      open[p] = 0;
    }
    for (let f = 0; f < front.length; f++) {
      for (let o = 0; o < 9; o++) {
        const q = front[f] + offsets[o];
        if (open[q] && seen[q] !== step) {
          seen[q] = step;
          next.push(q);
        }
      }
    }
    front = next;
  }
}
