// Drives Debian's Chromium (headless, through playwright-core) against the
// served demo and writes what it saw into OUT/results.json: output pixels
// (OUT/<case>.rgba), backends, error messages, every request's URL, and a
// phone-sized screenshot. tests/test_web_demo.py runs it and judges.
//
//   node tests/browser_check.mjs plan.json
//
// plan.json: {url, out, chromium, cases: [{name, file, direction, size,
// backend?, models?, offline?, phone?, flat?, fill?, hint?: {x, y, colour}, layers?, repeat?}], notImage: path,
// casesOnly?}
// A case with `reference` (a picture path) then chooses it as the reference picture and reads the result again.
// A case with a hint runs once, then taps the sketch at (x, y) (fractions)
// with that colour, records the second output and downloads the hint layer.
// A case with `repeat: N` runs the model N times on one page (toggling "flat
// colours" runs it again) and records every run's timing line (the
// benchmarks read warm runs' model time); `casesOnly` skips the page checks
// after the cases.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const origin = new URL(plan.url).origin;
const TIMEOUT = 120_000;
const results = { cases: {}, requests: [], foreignRequests: [], pageErrors: [] };
class Done extends Error {} // the plan asked for its cases only

const browser = await chromium.launch({
  executablePath: plan.chromium || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
});

async function newContext(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...options });
  context.on("request", (r) => results.requests.push(r.url()));
  // Anything bound for another origin is recorded and refused.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === origin) return route.continue();
    results.foreignRequests.push(url);
    return route.abort();
  });
  return context;
}

async function openPage(context, query) {
  const page = await context.newPage();
  page.on("pageerror", (e) => results.pageErrors.push(String(e)));
  await page.goto(`${plan.url}?${new URLSearchParams(query)}`);
  await page.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.state), null, { timeout: TIMEOUT });
  return page;
}

const bodyData = (page) => page.evaluate(() => ({ ...document.body.dataset }));
const errorText = (page) => page.evaluate(() => (document.getElementById("error").hidden ? "" : document.getElementById("error").textContent));

async function runCase(context, c) {
  const query = { size: c.size || "original" };
  if (c.backend) query.backend = c.backend;
  if (c.models) query.models = c.models;
  if (c.flat === false) query.flat = "0";
  if (c.fill === false) query.fill = "0";
  const page = await openPage(context, query);
  const record = { ready: await bodyData(page), error: await errorText(page) };
  results.cases[c.name] = record;
  if (record.ready.state !== "ready") return page;
  const tap = c.phone ? (sel, opts) => page.tap(sel, opts) : (sel, opts) => page.click(sel, opts);
  await tap(`#direction-${c.direction}`);
  if (c.offline) await context.setOffline(true);
  await page.setInputFiles("#file", c.file);
  await page.waitForFunction(() => ["done", "error"].includes(document.body.dataset.state) && document.body.dataset.state !== "running",
    null, { timeout: TIMEOUT });
  if (c.offline) await context.setOffline(false);
  Object.assign(record, await bodyData(page), { error: await errorText(page) });
  record.timing = await page.textContent("#timing");
  if (record.state !== "done") return page;
  const out = await readOutput(page);
  record.width = out.width;
  record.height = out.height;
  record.rgbaFile = join(plan.out, `${c.name}.rgba`);
  writeFileSync(record.rgbaFile, Buffer.from(out.rgba, "base64"));
  if (c.hint) {
    record.hintTools = await page.evaluate(() => !document.getElementById("hint-tools").hidden);
    await page.fill("#hint-colour", c.hint.colour);
    const box = await page.locator("#hints").boundingBox();
    await tap(`#hints`, { position: { x: c.hint.x * box.width, y: c.hint.y * box.height } });
    await page.waitForFunction(() => Number(document.body.dataset.runs) >= 2 && document.body.dataset.state === "done",
      null, { timeout: TIMEOUT });
    record.hints = JSON.parse(await page.evaluate(() => document.body.dataset.hints));
    const hinted = await readOutput(page);
    record.hintedRgbaFile = join(plan.out, `${c.name}-hinted.rgba`);
    writeFileSync(record.hintedRgbaFile, Buffer.from(hinted.rgba, "base64"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#hint-download")]);
    record.hintLayer = join(plan.out, `${c.name}-hints.png`);
    record.hintLayerName = download.suggestedFilename();
    await download.saveAs(record.hintLayer);
  }
  if (c.reference) {
    // A reference picture chosen beside the sketch: the page runs again with its colours.
    record.referenceTools = await page.evaluate(() => !document.getElementById("reference-tools").hidden);
    const before = Number((await bodyData(page)).runs);
    await page.setInputFiles("#reference", c.reference);
    await page.waitForFunction((n) => Number(document.body.dataset.runs) > n && document.body.dataset.state === "done",
      before, { timeout: TIMEOUT });
    const withReference = await readOutput(page);
    record.referenceRgbaFile = join(plan.out, `${c.name}-reference.rgba`);
    writeFileSync(record.referenceRgbaFile, Buffer.from(withReference.rgba, "base64"));
    record.referenceTiming = await page.textContent("#timing");
  }
  if (c.layers) {
    // The layered file of the result on screen.
    record.layersButton = await page.evaluate(() => !document.getElementById("download-layers").hidden);
    const [download] = await Promise.all([page.waitForEvent("download"), tap("#download-layers")]);
    record.layersFile = join(plan.out, `${c.name}-layers.ora`);
    record.layersName = download.suggestedFilename();
    await download.saveAs(record.layersFile);
  }
  if (c.repeat) {
    record.timings = [record.timing];
    for (let i = 1; i < c.repeat; i++) {
      const before = Number((await bodyData(page)).runs);
      await page.click("#flat");
      await page.waitForFunction((n) => Number(document.body.dataset.runs) > n && document.body.dataset.state === "done",
        before, { timeout: TIMEOUT });
      record.timings.push(await page.textContent("#timing"));
    }
  }
  return page;
}

async function readOutput(page) {
  return page.evaluate(() => {
    const canvas = document.getElementById("output");
    const bytes = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, rgba: btoa(s) };
  });
}

try {
  const desktop = await newContext();
  for (const c of plan.cases.filter((c) => !c.phone)) await (await runCase(desktop, c)).close();
  if (plan.casesOnly) throw new Done();

  // A file that is not a picture.
  const page = await openPage(desktop, {});
  await page.setInputFiles("#file", plan.notImage);
  await page.waitForSelector("#error:not([hidden])", { timeout: TIMEOUT });
  results.notImage = { error: await errorText(page), state: (await bodyData(page)).state };
  await page.close();

  // Drag-and-drop, then paste, of a real PNG; then the download button.
  const dropPage = await openPage(desktop, { size: "original" });
  const png = readFileSync(plan.cases[0].file).toString("base64");
  results.dropAndPaste = await dropPage.evaluate(async ({ b64, timeout }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const files = () => { const dt = new DataTransfer(); dt.items.add(new File([bytes], "dropped.png", { type: "image/png" })); return dt; };
    const runs = (n) => new Promise((resolve, reject) => {
      const t0 = Date.now();
      const timer = setInterval(() => {
        if (Number(document.body.dataset.runs || 0) >= n && document.body.dataset.state === "done") { clearInterval(timer); resolve(); }
        else if (Date.now() - t0 > timeout) { clearInterval(timer); reject(new Error(`no result ${n} (state ${document.body.dataset.state})`)); }
      }, 50);
    });
    document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: files(), bubbles: true, cancelable: true }));
    await runs(1);
    document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: files(), bubbles: true }));
    await runs(2);
    const canvas = document.getElementById("output");
    return { runs: Number(document.body.dataset.runs), width: canvas.width, height: canvas.height };
  }, { b64: png, timeout: TIMEOUT });
  const [download] = await Promise.all([dropPage.waitForEvent("download"), dropPage.click("#download")]);
  results.download = { name: download.suggestedFilename(), path: join(plan.out, "download.png") };
  await download.saveAs(results.download.path);
  await dropPage.close();

  // Models that are not there.
  const broken = await openPage(desktop, { models: "no-such-models/" });
  results.missingModels = { error: await errorText(broken), state: (await bodyData(broken)).state };
  await broken.close();
  await desktop.close();

  // A phone: 390x844, touch.
  const phone = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  for (const c of plan.cases.filter((c) => c.phone)) {
    const p = await runCase(phone, c);
    results.cases[c.name].layout = await p.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      smallestButton: Math.min(...[...document.querySelectorAll("button, select")].filter((b) => b.offsetParent !== null).map((b) => b.getBoundingClientRect().height)),
      outputWidth: document.getElementById("output").getBoundingClientRect().width,
    }));
    results.cases[c.name].screenshot = join(plan.out, `${c.name}.png`);
    await p.screenshot({ path: results.cases[c.name].screenshot, fullPage: true });
    await p.close();
  }
  await phone.close();
} catch (e) {
  if (!(e instanceof Done)) throw e;
} finally {
  await browser.close();
  writeFileSync(join(plan.out, "results.json"), JSON.stringify(results, null, 2));
}
