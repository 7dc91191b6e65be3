// The lab's generator, mirroring softmaxlab.core.random line by line (docs/random.md is the spec): Threefry
// words, uniforms and polar-method normals, and a log and a sincos written with + - * / sqrt only, in the same
// order as NumPy, so that node and the browser make Python's float64 values bit for bit.
import { Threefry, threefry2x32 } from "../kernel/random.js";

/** The stream word of the key for each use (core.random.STREAMS). */
export const STREAMS = Object.freeze({ sampling: 0, data: 1, init: 2, batches: 3 });

const LN2_HI = 6.93147180369123816490e-01; // ln 2 = LN2_HI + LN2_LO (fdlibm's split)
const LN2_LO = 1.90821492927058770002e-10;
const SQRT_HALF = 0.7071067811865476;
const PIO2_HI = 1.57079632673412561417e+00; // pi/2 = PIO2_HI + PIO2_LO (fdlibm's split)
const PIO2_LO = 6.07710050650619224932e-11;
const TWO_OVER_PI = 6.36619772367581382433e-01;

const factorial = (n) => (n <= 1 ? 1 : n * factorial(n - 1)); // exact up to 18!
const LOG_TERMS = Array.from({ length: 10 }, (_, i) => 1 / (2 * (i + 1) + 1)); // 1/3, 1/5, ..., 1/21
const sign = (k) => (k % 2 ? -1 : 1);
const SIN_TERMS = Array.from({ length: 8 }, (_, i) => sign(i + 1) / factorial(2 * i + 3)); // -1/3!, 1/5!, .., 1/17!
const COS_TERMS = Array.from({ length: 7 }, (_, i) => sign(i + 2) / factorial(2 * i + 4)); // 1/4!, -1/6!, .., 1/16!

function horner(z, terms) {
  let out = terms[terms.length - 1];
  for (let i = terms.length - 2; i >= 0; i--) out = terms[i] + z * out;
  return out;
}

// x = m 2^e exactly with m in [1/2, 1) (NumPy's frexp for a positive normal x), read from the bits
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const HIGH = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0; // the word holding the exponent

/** The natural log of a positive normal number, as core.random.log (within 2 ulp of Math.log). */
export function log(x) {
  bits[0] = x;
  const high = words[HIGH];
  let e = ((high >>> 20) & 0x7ff) - 1022;
  words[HIGH] = (high & 0x800fffff) | (1022 << 20);
  let m = bits[0];
  if (m < SQRT_HALF) {
    m = 2 * m;
    e -= 1;
  }
  const s = (m - 1) / (m + 1);
  const z = s * s;
  const logM = 2 * s + (2 * s) * (z * horner(z, LOG_TERMS));
  return e * LN2_HI + (e * LN2_LO + logM);
}

/** [sin x, cos x] as core.random.sincos (|x| < 1e5). */
export function sincos(x) {
  const n = Math.floor(x * TWO_OVER_PI + 0.5);
  const r = (x - n * PIO2_HI) - n * PIO2_LO;
  const z = r * r;
  const s = r + r * (z * horner(z, SIN_TERMS));
  const c = (1 - 0.5 * z) + (z * z) * horner(z, COS_TERMS);
  switch (((n % 4) + 4) % 4) {
    case 0: return [s, c];
    case 1: return [c, -s];
    case 2: return [-s, -c];
    default: return [-c, s];
  }
}

/** Standard normals g_start .. g_{start+n-1} of the stream (seed, stream): the polar method, as core.random.normal. */
export function normal(seed, stream, n, start = 0) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let attempt = 0; ; attempt++) {
      const [x0, x1] = threefry2x32(seed, stream, start + i, attempt);
      const v0 = (x0 - 2147483648 + 0.5) / 2147483648;
      const v1 = (x1 - 2147483648 + 0.5) / 2147483648;
      const s = v0 * v0 + v1 * v1;
      if (s < 1) {
        out[i] = v0 * Math.sqrt((-2 * log(s)) / s);
        break;
      }
    }
  }
  return out;
}

/** A stream of the lab (core.random.Threefry): random(n) and normal(n) continue where the last call stopped. */
export class Stream extends Threefry {
  normal(n) {
    const out = normal(this.seed, this.stream, n, this.position);
    this.position += n;
    return out;
  }
}

const MAX_BATCH_SAMPLES = 2 ** 20; // word * 2^20 + index stays below 2^53: one float64 key per sample

/** The mini-batch of step `step` (0 first): the first `size` of `samples` indices by the word x0 of the
 *  counter (step, i) under the key (seed, STREAMS.batches), ties by index (core.random.batch_indices). */
export function batchOrder(seed, step, samples, size) {
  if (samples > MAX_BATCH_SAMPLES) throw new Error(`batch: at most ${MAX_BATCH_SAMPLES} samples, got ${samples}`);
  const keys = new Float64Array(samples);
  for (let i = 0; i < samples; i++) keys[i] = threefry2x32(seed, STREAMS.batches, step, i)[0] * MAX_BATCH_SAMPLES + i;
  keys.sort(); // numeric: by word, then by index
  return Int32Array.from(keys.subarray(0, size), (k) => k % MAX_BATCH_SAMPLES);
}
