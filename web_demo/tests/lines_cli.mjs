// Runs the page's "outline dark areas" (src/lines.js) on a file, outside a
// browser, for tests/test_paint_js.py: node lines_cli.mjs IN.rgba WIDTH HEIGHT OUT.rgba
import { readFileSync, writeFileSync } from "node:fs";
import { outlineFills } from "../src/lines.js";

const [input, width, height, output] = process.argv.slice(2);
const start = performance.now();
const out = outlineFills(new Uint8Array(readFileSync(input)), Number(width), Number(height));
console.log(JSON.stringify({ ms: performance.now() - start }));
writeFileSync(output, Buffer.from(out.buffer));
