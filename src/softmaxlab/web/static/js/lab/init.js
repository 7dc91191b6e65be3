// The lab's initial parameters, mirroring softmaxlab.lab.models: uniforms and normals of the stream
// (seed, STREAMS.init), drawn parameter by parameter in the order of the names, row by row.
import { STREAMS, Stream, log } from "./random.js";

const param = (data, shape) => ({ data, shape });

/** PyTorch's nn.Linear default, U(-b, b) with b = 1/sqrt(fanIn): float32((2u - 1) b) of the next uniforms. */
function uniform(rng, shape, fanIn) {
  const bound = 1 / Math.sqrt(fanIn);
  const u = rng.random(shape.reduce((a, b) => a * b, 1));
  return param(Float32Array.from(u, (v) => (2 * v - 1) * bound), shape);
}

/** Log of each class's frequency among the labels (models.log_prior), with the generator's own log. */
function logPrior(labels, classes) {
  const counts = new Float64Array(classes);
  for (const y of labels) counts[y] += 1;
  return Float32Array.from(counts, (c) => log(Math.max(c, 0.5) / labels.length));
}

/** The last layer (models.INITS): [w (fanIn x classes), b (classes)]. */
const LAST = {
  zeros: (rng, fanIn, classes) => [param(new Float32Array(fanIn * classes), [fanIn, classes]),
    param(new Float32Array(classes), [classes])],
  default: (rng, fanIn, classes) => [uniform(rng, [fanIn, classes], fanIn), uniform(rng, [classes], fanIn)],
  prior: (rng, fanIn, classes, prior) => [param(new Float32Array(fanIn * classes), [fanIn, classes]),
    param(prior, [classes])],
};

function mlp(rng, e, data, prior) {
  const widths = [data.dim, ...e.hidden];
  const params = {};
  for (let i = 0; i + 1 < widths.length; i++) {
    params[`w${i}`] = uniform(rng, [widths[i], widths[i + 1]], widths[i]);
    params[`b${i}`] = uniform(rng, [widths[i + 1]], widths[i]);
  }
  [params.w_out, params.b_out] = LAST[e.init](rng, widths[widths.length - 1], e.classes, prior);
  return params;
}

function freeLogits(rng, e, data, prior) {
  const shape = [data.samples, e.classes];
  if (e.init === "zeros") return { logits: param(new Float32Array(data.samples * e.classes), shape) };
  if (e.init === "default") return { logits: uniform(rng, shape, 1) };
  const logits = new Float32Array(data.samples * e.classes);
  for (let i = 0; i < data.samples; i++) logits.set(prior, i * e.classes);
  return { logits: param(logits, shape) };
}

function freeFeatures(rng, e, data, prior) {
  const features = param(Float32Array.from(rng.normal(data.samples * e.feature_dim)), [data.samples, e.feature_dim]);
  const [w_out, b_out] = LAST[e.init](rng, e.feature_dim, e.classes, prior);
  return { features, w_out, b_out };
}

const MODELS = { mlp, "free-logits": freeLogits, "free-features": freeFeatures };

/** The initial parameters {name: {data: Float32Array, shape}} of an experiment, as softmaxlab.lab's prepare. */
export function initParams(e, data) {
  const model = MODELS[e.model];
  if (!model) throw new Error(`model: ${JSON.stringify(e.model)} is not one of ${Object.keys(MODELS).join(", ")}`);
  if (!LAST[e.init]) throw new Error(`init: ${JSON.stringify(e.init)} is not one of ${Object.keys(LAST).join(", ")}`);
  return model(new Stream(e.seed, STREAMS.init), e, data, logPrior(data.labels, e.classes));
}
