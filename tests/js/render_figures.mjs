// Reads {skeletons, requests} as JSON on stdin and writes, for each request {figure, options}, the
// browser module's {variant, figure} as JSON on stdout (typed arrays as lists, NaN as null, as JSON
// writes them). tests/test_web_figures.py compares the result with the Python builders.
import { FIGURES } from "../../src/softmaxlab/web/static/js/figures/index.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { skeletons, requests } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const plain = (key, value) => (ArrayBuffer.isView(value) ? Array.from(value) : value);
const results = requests.map(({ figure: name, options }) => {
  const module = FIGURES[name];
  if (!module) return { error: `no browser module for figure ${name}` };
  try {
    const key = module.variant(options);
    const skeleton = skeletons[name]?.[key];
    if (!skeleton) return { variant: key, error: `no skeleton ${name}/${key}` };
    return { variant: key, figure: module.figure(skeleton, options) };
  } catch (e) {
    return { error: `${name}: ${e.stack}` };
  }
});
process.stdout.write(JSON.stringify(results, plain));
