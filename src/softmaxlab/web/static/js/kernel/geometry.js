// The geometry of logit space, mirroring softmaxlab.core.geometry: shift invariance leaves K-1 numbers,
// the sum-zero subspace with its Helmert basis, the simplex of one-hot points, the Gaussian posterior.
import { logsumexp, sum } from "./softmax.js";

function checkClasses(k) {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`the number of classes must be an int >= 2, got ${k}`);
  return k;
}

/** The Helmert basis of the sum-zero subspace: K rows of K-1 numbers; column j-1 is (1,..,1,-j,0,..)/sqrt(j(j+1)). */
export function sum_zero_basis(k) {
  checkClasses(k);
  const basis = Array.from({ length: k }, () => new Float64Array(k - 1)); // (K, K-1)
  for (let j = 1; j < k; j++) {
    const norm = Math.sqrt(j * (j + 1));
    for (let i = 0; i < j; i++) basis[i][j - 1] = 1 / norm;
    basis[j][j - 1] = -j / norm;
  }
  return basis;
}

/** Coordinates (K-1) of logits (K) in sum_zero_basis: the shift along (1, ..., 1) is dropped. */
export function to_subspace(z, basis = sum_zero_basis(z.length)) {
  const u = new Float64Array(z.length - 1);
  for (let j = 0; j < u.length; j++) for (let i = 0; i < z.length; i++) u[j] += z[i] * basis[i][j];
  return u;
}

/** Sum-zero logits (K) from coordinates (K-1): inverts to_subspace on sum-zero logits. */
export function from_subspace(u, basis = sum_zero_basis(u.length + 1)) {
  const z = new Float64Array(u.length + 1);
  for (let i = 0; i < z.length; i++) for (let j = 0; j < u.length; j++) z[i] += u[j] * basis[i][j];
  return z;
}

/** The K one-hot points projected to the sum-zero subspace, one vertex (K-1 numbers) per class. */
export function simplex_vertices(k) {
  const basis = sum_zero_basis(k);
  return basis.map((row) => Float64Array.from(row)); // e_i's coordinates are row i of the basis
}

/** The class with the largest logit; ties go to the lowest index (numpy's argmax). */
export function winning_class(z) {
  let best = 0;
  for (let i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
  return best;
}

/** p(i | z) of K isotropic unit Gaussians at the one-hot points (priors: a distribution, or null),
 * from the squared distances themselves in the log domain; it equals softmax(z + log priors). */
export function gaussian_posterior(z, { priors = null } = {}) {
  const k = z.length;
  const logJoint = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const sq = sum(Array.from(z, (zj, j) => (zj - (i === j ? 1 : 0)) ** 2));
    const logPrior = priors === null ? 0 : Math.log(priors[i]); // a prior of 0: log 0 = -inf, never wins
    logJoint[i] = logPrior - sq / 2;
  }
  const lse = logsumexp(logJoint);
  return logJoint.map((v) => Math.exp(v - lse));
}
