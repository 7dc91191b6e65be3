// Python's format() for the specs the figure builders use, so a title written in the browser reads
// exactly like the one Python writes: "[+][,][.N](f|e|g|%)" and "," (an integer with separators).
// Python rounds the exact binary value half to even; JavaScript's toFixed rounds ties away from zero,
// so the digits are generated here from the exact value (a double is m * 2^e, written with BigInt).

const SPEC = /^(\+)?(,)?(?:\.(\d+))?([fegd%])?$/;

// The exact decimal value of a finite x >= 0: digits (a string without leading zeros, or "0") and the
// power of ten of its last digit, so x = digits * 10^point.
function exactDigits(x) {
  if (x === 0) return { digits: "0", point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let e;
  if (exponent === 0) e = -1074;
  else {
    mantissa |= 1n << 52n;
    e = exponent - 1075;
  }
  if (e >= 0) return { digits: (mantissa << BigInt(e)).toString(), point: 0 };
  // m * 2^e = m * 5^-e * 10^e
  return { digits: (mantissa * 5n ** BigInt(-e)).toString(), point: e };
}

// digits rounded half to even so that the last kept digit has power of ten `keep`
function roundAt({ digits, point }, keep) {
  const drop = keep - point; // how many trailing digits go
  if (drop <= 0) return { digits: digits === "0" ? "0" : digits + "0".repeat(-drop), point: keep };
  let head = drop >= digits.length ? "0" : digits.slice(0, digits.length - drop);
  const tail = drop > digits.length ? "0".repeat(drop - digits.length) + digits : digits.slice(digits.length - drop);
  const half = "5" + "0".repeat(drop - 1);
  let up = tail > half || (tail === half && Number(head[head.length - 1]) % 2 === 1);
  if (up) head = (BigInt(head) + 1n).toString();
  head = head.replace(/^0+(?=\d)/, "");
  return { digits: head, point: keep };
}

function fixed(x, precision) {
  const r = roundAt(exactDigits(x), -precision);
  let d = r.digits.padStart(precision + 1, "0");
  if (precision === 0) return d;
  return d.slice(0, d.length - precision) + "." + d.slice(d.length - precision);
}

// the decimal exponent of x rounded to `precision` + 1 significant digits, and those digits
function significant(x, precision) {
  if (x === 0) return { mantissa: "0".repeat(precision + 1), exp: 0 };
  const exact = exactDigits(x);
  const magnitude = exact.digits.length - 1 + exact.point; // exponent of the leading digit
  let r = roundAt(exact, magnitude - precision);
  let exp = r.digits.length - 1 + r.point;
  if (r.digits.length > precision + 1) r = { digits: r.digits.slice(0, precision + 1), point: r.point + 1 }; // 9.99 -> 10.0
  return { mantissa: r.digits.padEnd(precision + 1, "0"), exp };
}

function scientific(x, precision) {
  const { mantissa, exp } = significant(x, precision);
  const body = precision === 0 ? mantissa[0] : `${mantissa[0]}.${mantissa.slice(1)}`;
  const sign = exp < 0 ? "-" : "+";
  return `${body}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function general(x, precision) {
  const p = precision === 0 ? 1 : precision;
  const { exp } = significant(x, p - 1);
  let text = exp >= -4 && exp < p ? fixed(x, p - 1 - exp) : scientific(x, p - 1);
  // Python's g drops trailing zeros and a trailing point
  const [body, tail] = text.split("e");
  let trimmed = body.includes(".") ? body.replace(/0+$/, "").replace(/\.$/, "") : body;
  return tail === undefined ? trimmed : `${trimmed}e${tail}`;
}

function group(text) {
  const [whole, frac] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** format(x, spec) === Python's format(x, spec) for "f", "e", "g", "%" and "d"/"" (integers). */
export function format(x, spec = "g") {
  const m = SPEC.exec(spec);
  if (!m) throw new RangeError(`unsupported format spec ${JSON.stringify(spec)}`);
  const [, plus, comma, digits, kindGiven] = m;
  const kind = kindGiven ?? (Number.isInteger(x) && digits === undefined ? "d" : "g");
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? "-" : plus ? "+" : "";
  let a = Math.abs(x);
  if (Number.isNaN(x)) return (plus ? "+" : "") + (kind === "%" ? "nan%" : "nan");
  if (!Number.isFinite(a)) return sign + (kind === "%" ? "inf%" : "inf");
  const precision = digits === undefined ? 6 : Number(digits);
  let body;
  if (kind === "d") {
    if (!Number.isInteger(x)) throw new RangeError(`format "d" needs an integer, got ${x}`);
    body = BigInt(a).toString();
  } else if (kind === "f") body = fixed(a, precision);
  else if (kind === "e") body = scientific(a, precision);
  else if (kind === "%") body = fixed(a * 100, precision) + "%";
  else body = general(a, precision);
  if (comma) body = group(body);
  return sign + body;
}
