// Runs the page's paint stages (src/paint.js) on files, outside a browser,
// for tests/test_paint_js.py: node paint_cli.mjs JOB.json
// JOB: {sketch: path to RGBA bytes, width, height, coloured: path, cw, ch,
//       hints: [{x, y, radius, colour: [r, g, b]}], out: path for the RGBA result}
import { readFileSync, writeFileSync } from "node:fs";
import { paint } from "../src/paint.js";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const sketch = new Uint8Array(readFileSync(job.sketch));
const coloured = job.coloured ? new Uint8Array(readFileSync(job.coloured)) : null;
const start = performance.now();
const { image } = paint(sketch, job.width, job.height, coloured, job.cw, job.ch, job.hints);
console.log(JSON.stringify({ ms: performance.now() - start }));
writeFileSync(job.out, Buffer.from(image.buffer));
