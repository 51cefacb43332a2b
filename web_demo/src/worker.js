// Runs the exported generators off the main thread, so a large picture
// never freezes the page. Messages in: {type: "init", modelsUrl, wasmUrl,
// backend, directions}, {type: "backend", backend}, {type: "run", id,
// direction, width, height, pixels (RGBA bytes at the model's size), hints
// ([[x, y, r, g, b]]: x and y fractions of the size, colour bytes), flat,
// fillDark (false: the lines direction outlines dark areas, lines.js),
// and for flat colours the sketch at the size the result should have:
// sketch (RGBA bytes), sketchWidth, sketchHeight}, {type: "layers", id}
// (the last flat-colour run's layers, as RGBA buffers). Messages out: "progress",
// "ready", "result", "layers", "error" (see main.js).
import * as tf from "@tensorflow/tfjs-core";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { outlineFills } from "./lines.js";
import { layers, paint } from "./paint.js";
import { prepareReference } from "./reference.js";
import { hintSquare } from "./geometry.js";
import { spreadHints } from "./spread.js";

// The order "auto" tries: fastest first, the CPU always works.
const BACKENDS = ["webgpu", "webgl", "wasm", "cpu"];
const models = {}; // direction -> {model, metadata}
let last = null; // the last flat-colour run, for its layers

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
const progress = (stage, fraction, id) => post({ type: "progress", stage, fraction, id });

// WebGL drawn by the CPU (SwiftShader, llvmpipe: no GPU, or a blocked one)
// is slower than WASM, so "auto" passes it over; choosing WebGL still gets it.
function softwareWebGL() {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext("webgl2") || new OffscreenCanvas(1, 1).getContext("webgl");
    if (!gl) return false;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
  } catch (e) {
    return false;
  }
}

// A backend counts as usable once it initialises and runs a small convolution.
async function tryBackend(name, auto) {
  try {
    if (auto && name === "webgl" && softwareWebGL()) return false;
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    const y = tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 3]), tf.ones([3, 3, 3, 2]), 1, "same"));
    const v = await y.data();
    y.dispose();
    return Number.isFinite(v[0]);
  } catch (e) {
    return false;
  }
}

async function chooseBackend(wanted) {
  const order = wanted === "auto" ? BACKENDS : [wanted, ...BACKENDS.filter((b) => b !== wanted)];
  const failed = [];
  for (const name of order) {
    if (await tryBackend(name, wanted === "auto")) return { backend: name, failed };
    failed.push(name);
  }
  throw new Error(`No TF.js backend works in this browser (tried ${failed.join(", ")}).`);
}

async function loadModel(modelsUrl, direction) {
  const base = new URL(`${direction}/`, modelsUrl);
  let metadata;
  try {
    const response = await fetch(new URL("metadata.json", base));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    metadata = await response.json();
  } catch (e) {
    throw new Error(`metadata.json of the "${direction}" model could not be read at ${base} (${e.message}).`);
  }
  if (metadata.direction !== direction || metadata.format !== "tfjs") {
    throw new Error(`${base}metadata.json describes a ${metadata.format} "${metadata.direction}" model, not a TF.js "${direction}" one.`);
  }
  try {
    const model = await loadGraphModel(new URL("model.json", base).href);
    return { model, metadata };
  } catch (e) {
    throw new Error(`The "${direction}" model at ${base}model.json could not be loaded (${e.message}).`);
  }
}

// Any H x W: reflect-pad bottom and right up to the generator's multiple,
// run it, crop back, and turn [-1, 1] into RGBA bytes (as the SavedModel's
// uint8 signature does inside its graph).
// A hint generator's extra input, as metadata.json "hints" describes it and
// kac.inference.hints draws it: each hint a square of its colour (RGB in
// [-1, 1]) with mask 1; zeros elsewhere = no hints.
function hintPlanes(hints, width, height, radius) {
  const planes = new Float32Array(width * height * 4);
  for (const [fx, fy, r, g, b] of hints) {
    const { x0, x1, y0, y1 } = hintSquare(fx, fy, width, height, radius);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = (y * width + x) * 4;
        planes[i] = r / 127.5 - 1;
        planes[i + 1] = g / 127.5 - 1;
        planes[i + 2] = b / 127.5 - 1;
        planes[i + 3] = 1;
      }
    }
  }
  return planes;
}

// The prepared reference picture, kept while the page uses the same one.
let preparedReference = null; // {id, reference}
function referenceOf(message) {
  if (!message) return [];
  if (!preparedReference || preparedReference.id !== message.id) {
    preparedReference = { id: message.id, reference: prepareReference(new Uint8Array(message.pixels), message.width, message.height) };
  }
  return [preparedReference.reference];
}

async function translate({ id, direction, width, height, pixels, hints, flat, fillDark = true, sketch, sketchWidth, sketchHeight, reference }) {
  const entry = models[direction];
  if (!entry) throw new Error(`The "${direction}" model is not loaded.`);
  const multiple = entry.metadata.input.multiple || 1;
  const padH = (multiple - (height % multiple)) % multiple;
  const padW = (multiple - (width % multiple)) % multiple;
  progress("Preparing the picture", 0.15, id);
  const hintChannels = entry.metadata.input.hint_channels || 0;
  const planes = hintChannels ? hintPlanes(hints || [], width, height, entry.metadata.hints.dot_radius) : null;
  let input = tf.tidy(() => {
    const rgba = tf.tensor3d(new Uint8Array(pixels), [height, width, 4], "int32");
    let x = tf.expandDims(tf.sub(tf.div(tf.cast(tf.slice(rgba, [0, 0, 0], [height, width, 3]), "float32"), 127.5), 1), 0);
    if (hintChannels) x = tf.concat([x, tf.tensor4d(planes, [1, height, width, 4])], 3);
    return padH || padW ? tf.mirrorPad(x, [[0, 0], [0, padH], [0, padW], [0, 0]], "reflect") : x;
  });
  progress(`Running the model (${tf.getBackend()})`, 0.35, id);
  const start = performance.now();
  // A model exported without its hint spread takes the hints already grown
  // through the sketch's paper (metadata.json "hints" "spread"); the padded
  // picture is what the model sees, so the spread runs on it.
  const spread = entry.metadata.hints && entry.metadata.hints.spread;
  if (spread && hints && hints.length) {
    const data = spreadHints(await input.data(), width + padW, height + padH, spread.rounds);
    tf.dispose(input);
    input = tf.tensor4d(data, [1, height + padH, width + padW, 3 + hintChannels]);
  }
  const output = entry.model.execute(input);
  const rgba = tf.tidy(() => {
    const y = tf.squeeze(tf.slice(output, [0, 0, 0, 0], [1, height, width, 3]), [0]);
    const bytes = tf.clipByValue(tf.round(tf.mul(tf.add(y, 1), 127.5)), 0, 255);
    return tf.cast(tf.concat([bytes, tf.fill([height, width, 1], 255)], 2), "int32");
  });
  const data = await rgba.data();
  const modelMs = performance.now() - start;
  tf.dispose([input, output, rgba]);
  let out = new Uint8ClampedArray(data);
  let flatMs = 0;
  let size = { width, height };
  if (flat && direction === "colorize") {
    // Flat colours at the sketch's own size: regions and lines from the
    // sketch as drawn, colours from the model's result at its size.
    progress("Flat colours", 0.8, id);
    const flatStart = performance.now();
    const full = sketch ? new Uint8Array(sketch) : new Uint8Array(pixels);
    size = sketch ? { width: sketchWidth, height: sketchHeight } : size;
    const radius = entry.metadata.hints ? entry.metadata.hints.dot_radius * Math.max(size.width / width, size.height / height) : 0;
    const dots = (hints || []).map(([fx, fy, r, g, b]) => ({ x: fx * size.width, y: fy * size.height, radius, colour: [r, g, b] }));
    const coloured = new Uint8Array(out.buffer); // the model's result (out is replaced, not transferred)
    if (reference) progress("Placing the reference picture", 0.8, id);
    const painting = paint(full, size.width, size.height, coloured, width, height, dots, referenceOf(reference));
    out = painting.image;
    flatMs = performance.now() - flatStart;
    // Kept for a "layers" request (the download of the layered file).
    last = { id, sketch: full, ...size, painting, coloured, cw: width, ch: height };
  }
  if (direction === "lines" && !fillDark) {
    // Dark areas outlined (LineExtractor(fill_dark=False)), at the model's size.
    progress("Outlining dark areas", 0.8, id);
    const outlineStart = performance.now();
    out = outlineFills(out, width, height);
    flatMs = performance.now() - outlineStart;
  }
  progress("Drawing the result", 0.9, id);
  post({ type: "result", id, direction, width: size.width, height: size.height, pixels: out.buffer, modelMs, flatMs,
         modelWidth: width, modelHeight: height, backend: tf.getBackend() }, [out.buffer]);
}

async function init({ modelsUrl, wasmUrl, backend, directions }) {
  setWasmPaths(wasmUrl);
  progress("Starting TF.js", 0.05);
  const chosen = await chooseBackend(backend);
  const loaded = [];
  const errors = [];
  for (const [i, direction] of directions.entries()) {
    progress(`Loading the "${direction}" model`, 0.2 + (0.7 * i) / directions.length);
    try {
      models[direction] = await loadModel(modelsUrl, direction);
      loaded.push(direction);
    } catch (e) {
      errors.push(e.message);
    }
  }
  post({ type: "ready", backend: chosen.backend, failedBackends: chosen.failed, loaded, errors,
         metadata: Object.fromEntries(loaded.map((d) => [d, models[d].metadata])) });
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "init") await init(data);
    else if (data.type === "backend") {
      const chosen = await chooseBackend(data.backend);
      post({ type: "backend", backend: chosen.backend, failedBackends: chosen.failed });
    } else if (data.type === "run") await translate(data);
    else if (data.type === "layers") {
      if (!last || last.id !== data.id) throw new Error("The layers of this result are gone; run it again.");
      const { flats, lines, shading } = layers(last.sketch, last.width, last.height, last.painting, last.coloured, last.cw, last.ch);
      post({ type: "layers", id: data.id, width: last.width, height: last.height,
             flats: flats.buffer, lines: lines.buffer, shading: shading.buffer }, [flats.buffer, lines.buffer, shading.buffer]);
    }
  } catch (e) {
    post({ type: "error", id: data.id, message: e.message || String(e) });
  }
};
