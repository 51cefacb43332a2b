// Runs the page's hint spread (src/spread.js) on a file, outside a browser,
// for tests/test_paint_js.py: node spread_cli.mjs IN.f32 WIDTH HEIGHT ROUNDS OUT.f32
// (float32 height x width x 7: sketch RGB, hint RGB, mask). Runs it REPEATS
// times (default 1) on fresh copies and reports the fastest, warmed up.
import { readFileSync, writeFileSync } from "node:fs";
import { spreadHints } from "../src/spread.js";

const [input, width, height, rounds, output, repeats = "1"] = process.argv.slice(2);
const bytes = readFileSync(input);
const original = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
let data;
let fastest = Infinity;
for (let i = 0; i < Number(repeats); i++) {
  data = original.slice();
  const start = performance.now();
  spreadHints(data, Number(width), Number(height), Number(rounds));
  fastest = Math.min(fastest, performance.now() - start);
}
console.log(JSON.stringify({ ms: fastest }));
writeFileSync(output, Buffer.from(data.buffer));
