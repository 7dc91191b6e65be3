// The page's state in the URL query, read and written by the rules of softmaxlab.spec (from_search,
// to_search with changed_only, Control.coerce and Control.encode), from the spec the build writes as data.
// Every value from a URL is a stranger's: a bad one gets a message naming the setting, and its default.
// tests/js/state.test.mjs proves the messages and values equal Python's on fixtures Python writes.
import { format } from "../format.js";

export const MAX_TEXT = 200; // no setting holds a longer string
export const MAX_QUERY = 8000; // characters of URL query read at most
const NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i;
const TRUE = ["1", "true", "yes", "on"];
const FALSE = ["0", "false", "no", "off"];

/** Python's repr() of a string (the quotes and escapes Python's messages show). */
export function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return quote + out + quote;
}

const head = (text, n) => Array.from(text).slice(0, n).join(""); // Python's text[:n], by code points
const fmt = (x) => format(x, "g");

/** Python's repr() of a float: the shortest digits that round-trip, exponent below 1e-4 and from 1e16. */
export function pyReprFloat(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(exponent);
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${body}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}.${frac || "0"}`;
}

function asNumber(name, text, integer) {
  text = text.trim();
  if (Array.from(text).length > 40) throw new Error(`${name}: ${pyRepr(head(text, 20))}... is not a number`);
  if (NON_FINITE.test(text)) throw new Error(`${name}: ${pyRepr(head(text, 20))} is not a finite number`);
  if (!NUMBER.test(text)) throw new Error(`${name}: ${pyRepr(text)} is not a number`);
  const number = Number(text);
  if (!Number.isFinite(number)) throw new Error(`${name}: ${pyRepr(head(text, 20))} is not a finite number`);
  if (integer && !Number.isInteger(number)) throw new Error(`${name}: ${fmt(number)} is not a whole number`);
  return number;
}

/** A setting's value from URL text, or an Error whose message is Python's Control.coerce message. */
export function coerce(control, text) {
  const { name, kind } = control;
  const word = text.trim().toLowerCase();
  if (word === "" || word === "none" || word === "null") {
    if (control.nullable) return null;
    if (text === "") throw new Error(`${name}: a value is required`);
  }
  if (kind === "bool") {
    if (TRUE.includes(word)) return true;
    if (FALSE.includes(word)) return false;
    throw new Error(`${name}: expected on or off, got ${pyRepr(head(text, 40))}`);
  }
  if (kind === "float" || kind === "int") {
    const number = asNumber(name, text, kind === "int");
    if (control.minimum != null && number < control.minimum)
      throw new Error(`${name}: ${fmt(number)} is below the minimum ${fmt(control.minimum)}`);
    if (control.maximum != null && number > control.maximum)
      throw new Error(`${name}: ${fmt(number)} is above the maximum ${fmt(control.maximum)}`);
    return number;
  }
  if (Array.from(text).length > MAX_TEXT) throw new Error(`${name}: the value is longer than ${MAX_TEXT} characters`);
  if (control.choices.length) {
    for (const choice of control.choices) if (text === String(choice)) return choice;
    throw new Error(`${name}: unknown choice ${pyRepr(text)} (choose from ${control.choices.map(String).join(", ")})`);
  }
  return text;
}

/** A value as the URL writes it (Control.encode). */
export function encode(control, value) {
  if (value === null || value === undefined) return control.kind === "str" ? "" : "none";
  if (control.kind === "bool") return value ? "1" : "0";
  if (control.kind === "float") {
    const text = pyReprFloat(Number(value));
    return text.endsWith(".0") ? text.slice(0, -2) : text;
  }
  return String(value);
}

export function defaults(spec) {
  return Object.fromEntries(spec.map((c) => [c.name, c.default]));
}

/** {values, errors} from a query string ("?a=1&b=2"), as from_search: every problem listed, defaults kept. */
export function readQuery(spec, search) {
  const values = defaults(spec);
  search = search ?? "";
  if (search.length > MAX_QUERY) return { values, errors: [`the URL query is longer than ${MAX_QUERY} characters`] };
  const errors = [];
  const raw = new Map();
  for (const [key, value] of new URLSearchParams(search.replace(/^\?+/, ""))) {
    if (raw.has(key)) errors.push(`${head(key, 40)}: given more than once`);
    raw.set(key, value);
  }
  const byName = new Map(spec.map((c) => [c.name, c]));
  for (const [key, text] of raw) {
    const control = byName.get(key);
    if (!control) {
      errors.push(`unknown setting ${pyRepr(head(key, 40))}`);
      continue;
    }
    try {
      values[key] = coerce(control, text);
    } catch (e) {
      errors.push(e.message);
    }
  }
  return { values, errors };
}

// Python's urlencode (quote_plus): letters, digits and _.-~ stay, a space becomes +
const quotePlus = (text) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, "+");

/** The query of the values that differ from their defaults ("" when none do), as to_search(changed_only=True). */
export function writeQuery(spec, values) {
  const pairs = spec
    .filter((c) => values[c.name] !== undefined && !sameValue(values[c.name], c.default))
    .map((c) => `${quotePlus(c.name)}=${quotePlus(encode(c, values[c.name]))}`);
  return pairs.length ? "?" + pairs.join("&") : "";
}

function sameValue(a, b) {
  return a === b || (typeof a === "number" && typeof b === "number" && a === b);
}
