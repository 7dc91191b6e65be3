// The Runs page's plotly.js: a custom bundle of the three trace types its figures use (scatter, scatter3d, bar),
// built from the npm `plotly.js` source the way plotly's own `npm run custom-bundle` does (esbuild, an IIFE
// setting `window.Plotly`), into node_modules/plotly.js/dist/plotly-runs.min.js, where its custom bundles go.
// No published partial bundle holds both 3D scatter and bars, so without it the Runs page loads the full
// plotly.js (4.8 MB, about 0.85 s more to start here; docs/benchmarks.md). web/build.py picks it up when its
// header's version is the full bundle's.
//
// Run (what .ci/run does): npm install --no-save plotly.js@V esbuild@0.28.1 && node scripts/plotly_bundle.mjs
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const TRACES = ["scatter3d", "bar"]; // scatter is in plotly's core
const require = createRequire(join(process.cwd(), "package.json"));
let root;
try {
  root = dirname(require.resolve("plotly.js/package.json"));
} catch {
  console.error("plotly_bundle: plotly.js is not installed here (npm install --no-save plotly.js@VERSION esbuild@0.28.1)");
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const out = join(root, "dist", "plotly-runs.min.js");
const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${TRACES.map((t) => `require('plotly.js/lib/${t}')`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

await build({
  stdin: { contents: entry, resolveDir: process.cwd(), loader: "js" },
  outfile: out,
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "Plotly",
  target: "es2016",
  // as plotly.js's esbuild-config.js; its inline-CSS plugin only carries maplibre's map styles, which these
  // traces never use, so the CSS is dropped rather than written beside the bundle
  alias: { regl: "@plotly/regl", stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false" },
  loader: { ".css": "empty" },
  banner: { js: `/**\n* plotly.js (scatter, ${TRACES.join(", ")} - minified, softmaxlab's custom bundle) v${version}\n* Copyright 2012-2026, Plotly, Inc.\n* Licensed under the MIT license\n*/` },
  logLevel: "warning",
});
console.log(`plotly_bundle: ${out} (plotly.js ${version}: scatter, ${TRACES.join(", ")})`);
