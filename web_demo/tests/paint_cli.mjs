// Runs the page's paint stages (src/paint.js) on files, outside a browser,
// for tests/test_paint_js.py: node paint_cli.mjs JOB.json
// JOB: {sketch: path to RGBA bytes, width, height, coloured: path, cw, ch,
//       hints: [{x, y, radius, colour: [r, g, b]}], out: path for the RGBA result,
//       references: [{path: RGBA bytes, width, height}], match: path for the match confidence bytes}
import { readFileSync, writeFileSync } from "node:fs";
import { paint } from "../src/paint.js";
import { prepareReference } from "../src/reference.js";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const sketch = new Uint8Array(readFileSync(job.sketch));
const coloured = job.coloured ? new Uint8Array(readFileSync(job.coloured)) : null;
const start = performance.now();
const references = (job.references || []).map((r) => prepareReference(new Uint8Array(readFileSync(r.path)), r.width, r.height));
const { image, match } = paint(sketch, job.width, job.height, coloured, job.cw, job.ch, job.hints, references);
console.log(JSON.stringify({ ms: performance.now() - start }));
writeFileSync(job.out, Buffer.from(image.buffer));
if (job.match) writeFileSync(job.match, Buffer.from(match.buffer));
