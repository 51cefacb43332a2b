// Builds the static site: `npm run build` writes dist/ (or `-- --outdir DIR`),
// which any static host can serve. The exported models are copied from
// public/models/ when `make web` has put them there.
import * as esbuild from "esbuild";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const flag = process.argv.indexOf("--outdir");
const outdir = resolve(flag > 0 ? process.argv[flag + 1] : join(here, "dist"));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await esbuild.build({
  entryPoints: [join(here, "src/main.js"), join(here, "src/worker.js")],
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome113", "firefox115", "safari16.4"],
  minify: true,
  sourcemap: true,
  logLevel: "warning",
});
cpSync(join(here, "index.html"), join(outdir, "index.html"));
cpSync(join(here, "src/style.css"), join(outdir, "style.css"));
// The WASM backend's binaries, served from this origin (no CDN).
const wasmDist = join(here, "node_modules/@tensorflow/tfjs-backend-wasm/dist");
for (const name of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"]) {
  cpSync(join(wasmDist, name), join(outdir, "wasm", name));
}
if (existsSync(join(here, "public"))) cpSync(join(here, "public"), outdir, { recursive: true });
console.log(`built ${outdir}`);
