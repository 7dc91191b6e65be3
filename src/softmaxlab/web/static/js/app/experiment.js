// An Experiment's link, read and written by the rules of softmaxlab.lab.config (Experiment.read_query,
// to_query, relation_errors, browser_errors), from the fields the build writes as data (Experiment.spec_json).
// Each field is a spec.Control, so its values are checked by the same `coerce` as every other setting.
// tests/js/experiment.test.mjs proves the values and the messages equal Python's on queries Python reads.
import { format } from "../format.js";
import { MAX_QUERY, coerce, pyRepr, pyReprFloat } from "./state.js";

const NUMBER_LIKE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/; // softmaxlab.spec's syntax
const head = (text, n) => Array.from(text).slice(0, n).join(""); // Python's text[:n]
const commas = (n) => format(n, ",");

/** The defaults of every field, by name (lists as arrays, "no value" as null). */
export function defaults(spec) {
  return Object.fromEntries(spec.fields.map((f) => [f.name, f.default]));
}

/** FieldSpec.parse: one field's value from its text, or an Error with Python's message. */
export function parseField(field, text) {
  text = text.trim();
  if (field.optional && ["", "none"].includes(text.toLowerCase())) return null;
  if (!field.many) return coerce(field, text);
  const parts = text.split(",").filter((t) => t.trim());
  for (const part of parts) {
    if (!NUMBER_LIKE.test(part.trim())) {
      const words = field.type === "int" ? "integers" : "numbers";
      throw new Error(`${field.name}: expected comma-separated ${words}, got ${pyRepr(head(text, 40))}`);
    }
  }
  return parts.map((part) => coerce(field, part.trim()));
}

/** FieldSpec.format: a value as the link writes it. */
export function formatField(field, value) {
  if (value === null || value === undefined) return "";
  if (field.type === "bool") return value ? "true" : "false";
  const one = (v) => (field.type === "float" ? pyReprFloat(Number(v)) : String(v));
  return field.many ? value.map(one).join(",") : one(value);
}

function same(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

// Python's quote_plus(text, safe=","), as urlencode(pairs, safe=",") writes a pair
const quote = (text) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, "+").replace(/%2C/g, ",");

/** Experiment.to_query: the fields that differ from the defaults ("" for the reference experiment). */
export function toQuery(spec, values) {
  return spec.fields
    .filter((f) => values[f.name] !== undefined && !same(values[f.name], f.default))
    .map((f) => `${quote(f.name)}=${quote(formatField(f, values[f.name]))}`)
    .join("&");
}

/** Experiment.read_query over [key, text] pairs: {values, errors}; the defaults stand where a value is bad. */
export function readPairs(spec, pairs) {
  const values = defaults(spec);
  const errors = [];
  const names = new Set(spec.fields.map((f) => f.name));
  const seen = new Set();
  for (const [key] of pairs) {
    if (!names.has(key) && !seen.has(key)) errors.push(`unknown setting ${pyRepr(head(key, 40))}`);
    else if (names.has(key) && seen.has(key)) errors.push(`${key}: given more than once`);
    seen.add(key);
  }
  for (const field of spec.fields) {
    const texts = pairs.filter(([k]) => k === field.name).map(([, v]) => v);
    if (!texts.length) continue;
    try {
      values[field.name] = parseField(field, texts[texts.length - 1]);
    } catch (e) {
      errors.push(e.message);
    }
  }
  if (values.batch_size === 0) values.batch_size = null; // 0 and none both mean full batch; one spelling
  if (errors.length) return { values, errors };
  return { values, errors: relationErrors(spec, values) };
}

/** Experiment.read_query: {values, errors} of a query ("?a=1&b=2"), every problem listed. */
export function fromQuery(spec, search) {
  search = search ?? "";
  if (search.length > MAX_QUERY) return { values: defaults(spec), errors: [`the URL query is longer than ${MAX_QUERY} characters`] };
  return readPairs(spec, [...new URLSearchParams(search.replace(/^\?+/, ""))]);
}

// numpy.rint: halves to even
function rint(x) {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Samples of each class (datasets.class_counts, with the imbalanced set's default frequencies). */
export function classCounts(values) {
  let freqs = values.dataset === "reference" ? [] : values.frequencies;
  if (values.dataset === "imbalanced" && !freqs.length) freqs = Array.from({ length: values.classes }, (_, k) => 2 ** -k);
  if (!freqs.length) return Array(values.classes).fill(values.samples_per_class);
  const total = freqs.reduce((a, b) => a + b, 0);
  return freqs.map((f) => Math.max(1, rint(values.classes * values.samples_per_class * (f / total))));
}

export const numSamples = (values) => classCounts(values).reduce((a, b) => a + b, 0);
export const numRecords = (values) => 1 + Math.ceil(values.steps / values.record_every);
export const learningRate = (spec, values) => values.lr ?? spec.default_lr[values.optimizer];

function featureWidth(values) {
  if (values.model === "mlp") return values.hidden.length ? values.hidden[values.hidden.length - 1] : values.dim;
  return values.model === "free-features" ? values.feature_dim : 0;
}

// Python's repr of a tuple of floats
const tupleRepr = (xs) => `(${xs.map((x) => pyReprFloat(x)).join(", ")}${xs.length === 1 ? "," : ""})`;

/** Experiment.relation_errors: what is wrong between fields, every problem, in Python's order. */
export function relationErrors(spec, v) {
  const out = [];
  if (v.hidden.length > 4) out.push(`hidden: at most 4 hidden layers, got ${v.hidden.length}`);
  const data = spec.datasets[v.dataset];
  for (const [name, fixed] of [["classes", data.fixed_classes], ["dim", data.fixed_dim]]) {
    if (fixed !== null && v[name] !== fixed) out.push(`${name}: dataset ${pyRepr(v.dataset)} has ${name} = ${fixed}, got ${v[name]}`);
  }
  if (v.dim < data.min_dim) out.push(`dim: dataset ${pyRepr(v.dataset)} needs dim >= ${data.min_dim}, got ${v.dim}`);
  if (v.frequencies.length) {
    if (v.dataset === "reference") out.push("frequencies: the reference dataset has fixed class sizes");
    else if (v.frequencies.length !== v.classes || Math.min(...v.frequencies) <= 0)
      out.push(`frequencies: need ${v.classes} positive numbers (one per class), got ${tupleRepr(v.frequencies)}`);
  }
  if (out.length) return out;
  const samples = numSamples(v);
  const records = numRecords(v);
  if (v.batch_size !== null && v.batch_size > samples) out.push(`batch_size: ${v.batch_size} is more than the ${samples} samples`);
  if (v.record_features) {
    if (v.model === "free-logits") out.push("record_features: the free-logits model has no features");
    else if (records * samples * featureWidth(v) > spec.max_logits)
      out.push(`record_features: ${records} records x ${samples} samples x ${featureWidth(v)} features is more than ${commas(spec.max_logits)} numbers`);
  }
  if (records * samples * v.classes > spec.max_logits)
    out.push(`steps/record_every: ${records} records x ${samples} samples x ${v.classes} classes is more than ${commas(spec.max_logits)} logits; record less often`);
  return out;
}

/** Experiment.browser_errors: why this tab should not train the run, each naming `softmaxlab train`. */
export function browserErrors(spec, v) {
  const limits = spec.limits;
  const width = Math.max(...v.hidden, v.model === "free-features" ? v.feature_dim : 0, v.dim, v.classes);
  const samples = numSamples(v);
  const checks = [
    ["steps", v.steps, limits.steps], ["samples", samples, limits.samples], ["width", width, limits.width],
    ["samples x steps x width", samples * v.steps * width, limits.work],
    ["recorded logits", numRecords(v) * samples * v.classes, limits.logits],
  ];
  return checks
    .filter(([, value, limit]) => value > limit)
    .map(([name, value, limit]) => `${name}: ${commas(value)} is above the browser's limit ${commas(limit)} (train bigger runs with softmaxlab train)`);
}
