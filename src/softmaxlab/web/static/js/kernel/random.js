// Threefry-2x32-20, mirroring softmaxlab.core.random: the same key (seed, stream), the same counter (i, 0),
// the same 53-bit uniforms, so the browser draws exactly what Python draws. 32-bit words throughout (>>> 0).
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24]; // blocks 0, 2, 4 use the first four, blocks 1, 3 the rest
const PARITY = 0x1bd11bda; // Threefry's key-schedule constant

/** Threefry-2x32-20 of the counter (c0, c1) under the key (k0, k1): two unsigned 32-bit words. */
export function threefry2x32(k0, k1, c0, c1) {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ PARITY) >>> 0];
  let x0 = (c0 + ks[0]) | 0; // int32 arithmetic (| 0) wraps modulo 2^32 as uint32 does, and stays fast
  let x1 = (c1 + ks[1]) | 0;
  for (let block = 0; block < 5; block++) { // 5 blocks of 4 rounds, a key injection after each
    for (let j = (block % 2) * 4, end = j + 4; j < end; j++) {
      const r = ROTATIONS[j];
      x0 = (x0 + x1) | 0;
      x1 = ((x1 << r) | (x1 >>> (32 - r))) ^ x0;
    }
    x0 = (x0 + ks[(block + 1) % 3]) | 0;
    x1 = (x1 + ks[(block + 2) % 3] + block + 1) | 0;
  }
  return [x0 >>> 0, x1 >>> 0];
}

/** Uniforms u_start .. u_{start+n-1} in [0, 1) of the stream (seed, stream), as core.random.uniform. */
export function uniform(seed, stream, n, start = 0) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x0, x1] = threefry2x32(seed, stream, start + i, 0);
    out[i] = ((x0 >>> 5) * 67108864 + (x1 >>> 6)) / 9007199254740992;
  }
  return out;
}

/** A stream with numpy's random(n): each call continues it (core.random.Threefry). */
export class Threefry {
  constructor(seed, stream = 0) {
    this.seed = seed;
    this.stream = stream;
    this.position = 0;
  }

  random(n) {
    const out = uniform(this.seed, this.stream, n, this.position);
    this.position += n;
    return out;
  }
}
