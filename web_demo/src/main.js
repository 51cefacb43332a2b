// The page: picks a picture, fits it to the model's size, hands the pixels
// to the worker (worker.js) that runs TF.js, and shows the result at the
// picture's own size. With a colourizer that takes hints, taps on the
// sketch drop colour dots (undo, clear, download as the RGBA hint layer
// `kac colorize --hints` takes). Query parameters, for tests and for hosting the
// models elsewhere on the same origin: ?models=URL/ ?backend=wasm ?size=original
// ?flat=0 (G's own colours instead of flat colours; paint.js).
import { strToU8, zipSync } from "fflate";
import { fitToModel, hintSquare } from "./geometry.js";
import { REFERENCE_SIDE } from "./reference.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const DIRECTIONS = ["colorize", "lines"];
const LABELS = { webgpu: "WebGPU", webgl: "WebGL", wasm: "WASM", cpu: "CPU" };

const state = {
  direction: "colorize",
  metadata: {}, // direction -> metadata.json of the loaded model
  picture: null, // {bitmap, name}
  runId: 0,
  runs: 0,
  ready: false,
  failedBackends: [], // tried before the one in use, and unusable or too slow here
  hints: [], // colour dots: {x, y} fractions of the picture's size, colour "#rrggbb"
  layersOf: null, // the run whose layers the worker keeps (flat colours only)
  reference: null, // {pixels (RGBA), width, height, name, id}: a coloured picture of the same character
  referenceId: 0,
};

if (params.get("flat") === "0") $("flat").checked = false;
if (params.get("fill") === "0") $("fill-dark").checked = false;

// Settings from the query string, when they name an option.
for (const [param, select] of [["backend", $("backend")], ["size", $("size")]]) {
  const wanted = params.get(param);
  if (wanted && [...select.options].some((o) => o.value === wanted)) select.value = wanted;
}

function setState(name) {
  document.body.dataset.state = name;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  setState("error");
  $("progress").value = 0;
  $("status").textContent = "";
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

function setProgress(stage, fraction) {
  $("status").textContent = stage;
  $("progress").value = fraction;
}

function setBackendLabel(backend, failed) {
  if (failed) state.failedBackends = failed;
  const skipped = state.failedBackends.length ? ` (passed over here: ${state.failedBackends.map((b) => LABELS[b]).join(", ")})` : "";
  $("backend-used").textContent = LABELS[backend] + skipped;
  document.body.dataset.backend = backend;
}

function updateDirectionButtons() {
  for (const d of DIRECTIONS) {
    const button = $(`direction-${d}`);
    button.setAttribute("aria-pressed", String(d === state.direction));
    button.disabled = state.ready && !state.metadata[d];
  }
  updateHintTools();
}

// ---- colour hints -----------------------------------------------------------

const hintsEnabled = () => state.direction === "colorize" && Boolean(state.metadata.colorize?.input.hint_channels);

function updateHintTools() {
  const on = hintsEnabled();
  $("hint-tools").hidden = !on;
  $("reference-tools").hidden = state.direction !== "colorize";
  $("reference-clear").disabled = !state.reference;
  $("reference-name").textContent = state.reference ? `${state.reference.name} (${state.reference.width}x${state.reference.height})` : "";
  $("flat-setting").hidden = state.direction !== "colorize";
  $("fill-setting").hidden = state.direction !== "lines";
  $("hints").hidden = !on;
  for (const id of ["hint-undo", "hint-clear", "hint-download"]) $(id).disabled = !state.hints.length;
  document.body.dataset.hints = JSON.stringify(state.hints);
}

function drawHints() {
  const canvas = $("hints");
  const input = $("input");
  canvas.width = input.width;
  canvas.height = input.height;
  const ctx = canvas.getContext("2d");
  const radius = Math.max(4, 0.015 * Math.max(canvas.width, canvas.height));
  for (const h of state.hints) {
    ctx.beginPath();
    ctx.arc(h.x * canvas.width, h.y * canvas.height, radius, 0, 2 * Math.PI);
    ctx.fillStyle = h.colour;
    ctx.fill();
    ctx.lineWidth = Math.max(1.5, radius / 3);
    ctx.strokeStyle = "#fff";
    ctx.stroke();
  }
  updateHintTools();
}

function setHints(hints) {
  state.hints = hints;
  drawHints();
  if (state.picture && state.ready) run();
}

$("hints").addEventListener("pointerdown", (e) => {
  if (!state.picture || !hintsEnabled()) return;
  e.preventDefault();
  const box = e.currentTarget.getBoundingClientRect();
  const clamp = (v) => Math.min(Math.max(v, 0), 1);
  const hint = { x: clamp((e.clientX - box.left) / box.width), y: clamp((e.clientY - box.top) / box.height), colour: $("hint-colour").value };
  setHints([...state.hints, hint]);
});
$("hint-undo").addEventListener("click", () => setHints(state.hints.slice(0, -1)));
$("hint-clear").addEventListener("click", () => setHints([]));

const rgbOf = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

// ---- a reference picture: its colours for the regions it explains ----------

// The reference is read at most REFERENCE_SIDE on its longer side (as
// paint/reference.py reads it), its transparency kept.
async function openReference(file) {
  clearError();
  if (!file) return;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: "none", premultiplyAlpha: "none", imageOrientation: "from-image" });
  } catch (e) {
    showError(`"${file.name}" could not be read as a reference picture; choose a PNG, JPEG, WebP, GIF or BMP.`);
    return;
  }
  const scale = Math.min(1, REFERENCE_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  if (Math.min(bitmap.width, bitmap.height) < 8) {
    bitmap.close();
    showError(`"${file.name}": a reference picture needs at least 8x8 pixels; it has ${bitmap.width}x${bitmap.height}.`);
    return;
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  state.reference = { pixels: ctx.getImageData(0, 0, width, height).data.buffer, width, height, name: file.name, id: ++state.referenceId };
  updateHintTools();
  if (state.picture && state.ready && state.direction === "colorize") run();
}

$("reference").addEventListener("change", (e) => openReference(e.target.files[0]));
$("reference-drop").addEventListener("drop", (e) => {
  e.preventDefault();
  e.stopPropagation(); // not the sketch's drop
  drop.classList.remove("over");
  openReference(e.dataTransfer.files[0]);
});
$("reference-clear").addEventListener("click", () => {
  state.reference = null;
  $("reference").value = "";
  updateHintTools();
  if (state.picture && state.ready) run();
});

// The hints as an RGBA layer the picture's size: each dot the square the
// model saw, scaled back up, opaque; the rest transparent.
$("hint-download").addEventListener("click", () => {
  const { bitmap, name } = state.picture;
  const meta = state.metadata.colorize;
  const fit = fitToModel(bitmap.width, bitmap.height, $("size").value, meta.input);
  const scale = bitmap.width / fit.width;
  const radius = meta.hints.dot_radius;
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d");
  for (const h of state.hints) {
    const { cx, cy } = hintSquare(h.x, h.y, fit.width, fit.height, radius);
    const side = 2 * radius + 1;
    ctx.fillStyle = h.colour;
    ctx.fillRect(Math.round((cx - radius) * scale), Math.round((cy - radius) * scale), Math.round(side * scale), Math.round(side * scale));
  }
  canvas.toBlob((blob) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${name}-hints.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, "image/png");
});

// ---- the worker -------------------------------------------------------------

let worker;
try {
  worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
} catch (e) {
  showError(`This browser cannot run the model in a background worker (${e.message}). Try a current Chrome, Edge, Firefox or Safari.`);
}

const pending = new Map(); // run id -> {resolve, reject}

worker?.addEventListener("message", ({ data }) => {
  if (data.type === "progress") {
    if (data.id === undefined || data.id === state.runId) setProgress(data.stage, data.fraction);
  } else if (data.type === "ready") {
    onReady(data);
  } else if (data.type === "backend") {
    setBackendLabel(data.backend, data.failedBackends);
    if (state.picture) run();
    else setState("ready");
  } else if (data.type === "result" || data.type === "layers") {
    pending.get(data.id)?.resolve(data);
    pending.delete(data.id);
  } else if (data.type === "error") {
    if (data.id !== undefined && pending.has(data.id)) {
      pending.get(data.id).reject(new Error(data.message));
      pending.delete(data.id);
    } else {
      showError(data.message);
    }
  }
});
worker?.addEventListener("error", (e) => showError(`The model worker failed to start (${e.message || "script error"}).`));

function onReady({ backend, failedBackends, loaded, errors, metadata }) {
  state.metadata = metadata;
  state.ready = true;
  setBackendLabel(backend, failedBackends);
  if (!loaded.includes(state.direction) && loaded.length) state.direction = loaded[0];
  updateDirectionButtons();
  $("model-info").textContent = loaded
    .map((d) => `${d}: ${metadata[d].quantization} weights, any size ÷ ${metadata[d].input.multiple}`)
    .join(" · ");
  if (errors.length) {
    showError(`${errors.join(" ")} ${loaded.length ? "" : "Run `make web` to export the models into the site."}`.trim());
    if (!loaded.length) return;
  } else {
    setState("ready");
    setProgress("Ready. Choose a picture.", 0);
  }
  if (state.picture) run();
}

worker?.postMessage({
  type: "init",
  modelsUrl: new URL(params.get("models") || "models/", location.href).href,
  wasmUrl: new URL("wasm/", location.href).href,
  backend: $("backend").value,
  directions: DIRECTIONS,
});

// ---- pictures in ------------------------------------------------------------

async function openPicture(file) {
  clearError();
  if (!file) return;
  const looksLikeImage = file.type ? file.type.startsWith("image/") : /\.(png|jpe?g|webp|gif|bmp|avif)$/i.test(file.name);
  if (!looksLikeImage) {
    showError(`"${file.name}" is not an image${file.type ? ` (${file.type})` : ""}. Choose a PNG, JPEG, WebP, GIF or BMP picture.`);
    return;
  }
  let bitmap;
  try {
    // No colour-space conversion: the model sees the file's own pixel values.
    bitmap = await createImageBitmap(file, { colorSpaceConversion: "none", premultiplyAlpha: "none", imageOrientation: "from-image" });
  } catch (e) {
    showError(`"${file.name}" could not be read as an image; it may be damaged or in a format this browser cannot decode.`);
    return;
  }
  state.picture?.bitmap.close();
  state.picture = { bitmap, name: file.name.replace(/\.[^.]*$/, "") || "picture" };
  const input = $("input");
  input.width = bitmap.width;
  input.height = bitmap.height;
  input.getContext("2d").drawImage(bitmap, 0, 0);
  state.hints = []; // hints belong to one picture
  drawHints();
  if (state.ready) run();
}

$("file").addEventListener("change", (e) => openPicture(e.target.files[0]));
const drop = $("drop");
for (const type of ["dragenter", "dragover"]) {
  document.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
}
document.addEventListener("dragleave", () => drop.classList.remove("over"));
document.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  openPicture(e.dataTransfer.files[0]);
});
document.addEventListener("paste", (e) => {
  const item = [...e.clipboardData.items].find((i) => i.kind === "file");
  if (item) openPicture(item.getAsFile());
});

// ---- settings ---------------------------------------------------------------

for (const d of DIRECTIONS) {
  $(`direction-${d}`).addEventListener("click", () => {
    state.direction = d;
    updateDirectionButtons();
    if (state.picture && state.ready) run();
  });
}
$("backend").addEventListener("change", (e) => {
  setState("loading");
  setProgress(`Switching to ${e.target.selectedOptions[0].text}…`, 0.1);
  worker.postMessage({ type: "backend", backend: e.target.value });
});
$("size").addEventListener("change", () => state.picture && state.ready && run());
$("flat").addEventListener("change", () => state.picture && state.ready && run());
$("fill-dark").addEventListener("change", () => state.picture && state.ready && run());

// ---- running the model ------------------------------------------------------

async function run() {
  const meta = state.metadata[state.direction];
  if (!meta) return;
  clearError();
  setState("running");
  const id = ++state.runId;
  const { bitmap } = state.picture;
  try {
    setProgress("Resizing the picture", 0.05);
    const fit = fitToModel(bitmap.width, bitmap.height, $("size").value, meta.input);
    // Resizing in createImageBitmap keeps the main thread free for big photos.
    const scaled = fit.scaled
      ? await createImageBitmap(bitmap, { resizeWidth: fit.width, resizeHeight: fit.height, resizeQuality: "high" })
      : bitmap;
    const canvas = new OffscreenCanvas(fit.width, fit.height);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; // transparent areas become white paper
    ctx.fillRect(0, 0, fit.width, fit.height);
    ctx.drawImage(scaled, 0, 0);
    if (scaled !== bitmap) scaled.close();
    const pixels = ctx.getImageData(0, 0, fit.width, fit.height).data.buffer;
    const flat = state.direction === "colorize" && $("flat").checked;
    // Flat colours are painted at the picture's own size (up to PAINT_MAX_SIDE).
    const full = flat ? sketchAtOwnSize(bitmap) : null;
    const result = await new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const hints = hintsEnabled() ? state.hints.map((h) => [h.x, h.y, ...rgbOf(h.colour)]) : [];
      const fillDark = state.direction !== "lines" || $("fill-dark").checked;
      const message = { type: "run", id, direction: state.direction, width: fit.width, height: fit.height, pixels, hints, flat, fillDark };
      const transfer = [pixels];
      if (flat && state.reference) {
        const { pixels: refPixels, width: rw, height: rh, id: refId } = state.reference;
        message.reference = { pixels: refPixels.slice(0), width: rw, height: rh, id: refId };
        transfer.push(message.reference.pixels);
      }
      if (full) {
        Object.assign(message, { sketch: full.pixels, sketchWidth: full.width, sketchHeight: full.height });
        transfer.push(full.pixels);
      }
      worker.postMessage(message, transfer);
    });
    if (id !== state.runId) return; // a newer run replaced this one
    show(result, bitmap.width, bitmap.height);
  } catch (e) {
    if (id === state.runId) showError(`The model failed on this picture: ${e.message}`);
  }
}

// The picture on white at its own size, or scaled down to PAINT_MAX_SIDE
// (the page's memory: the paint stages hold a few bytes per pixel).
const PAINT_MAX_SIDE = 4096;
function sketchAtOwnSize(bitmap) {
  const scale = Math.min(1, PAINT_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0, width, height);
  return { pixels: ctx.getImageData(0, 0, width, height).data.buffer, width, height };
}

function show(result, width, height) {
  const small = new ImageData(new Uint8ClampedArray(result.pixels), result.width, result.height);
  const output = $("output");
  output.width = width;
  output.height = height;
  const ctx = output.getContext("2d");
  if (result.width === width && result.height === height) {
    ctx.putImageData(small, 0, 0);
  } else {
    // Scale back to the picture's own size.
    const tmp = new OffscreenCanvas(result.width, result.height);
    tmp.getContext("2d").putImageData(small, 0, 0);
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(tmp, 0, 0, width, height);
  }
  state.runs += 1;
  document.body.dataset.runs = String(state.runs);
  document.body.dataset.direction = result.direction;
  $("timing").textContent = `(${result.modelWidth}×${result.modelHeight}: model ${result.modelMs.toFixed(0)} ms on ${LABELS[result.backend]}${result.flatMs ? `, ${result.direction === "lines" ? "outlines" : "flat colours"} ${result.flatMs.toFixed(0)} ms` : ""})`;
  setBackendLabel(result.backend);
  $("download").disabled = false;
  state.layersOf = result.direction === "colorize" && $("flat").checked ? result.id : null;
  $("download-layers").hidden = state.layersOf === null;
  setProgress("Done.", 1);
  setState("done");
}

$("download").addEventListener("click", () => {
  $("output").toBlob((blob) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${state.picture.name}-${document.body.dataset.direction}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, "image/png");
});

// The layered file (OpenRaster: a zip with the mimetype first and stored,
// stack.xml listing the layers top to bottom, a PNG per layer and the
// merged picture), as kac colorize --layers writes it.
async function pngOf(rgba, width, height) {
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer());
}

$("download-layers").addEventListener("click", async () => {
  const id = state.layersOf;
  try {
    const result = await new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ type: "layers", id });
    });
    const { width, height } = result;
    const merged = await new Promise((resolve) => $("output").toBlob(resolve, "image/png"));
    const stack = [["lines", "svg:multiply", "visible"], ["shading", "svg:multiply", "hidden"], ["flats", "svg:src-over", "visible"]];
    const files = {
      mimetype: [strToU8("image/openraster"), { level: 0 }],
      "stack.xml": strToU8(
        `<?xml version="1.0" encoding="UTF-8"?><image version="0.0.5" w="${width}" h="${height}"><stack>` +
          stack.map(([name, op, vis]) => `<layer name="${name}" src="data/${name}.png" composite-op="${op}" visibility="${vis}" x="0" y="0" opacity="1.0"/>`).join("") +
          "</stack></image>"),
      "mergedimage.png": new Uint8Array(await merged.arrayBuffer()),
    };
    for (const [name] of stack) files[`data/${name}.png`] = await pngOf(result[name], width, height);
    const blob = new Blob([zipSync(files)], { type: "image/openraster" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${state.picture.name}-layers.ora`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  } catch (e) {
    showError(`The layers could not be written: ${e.message}`);
  }
});
