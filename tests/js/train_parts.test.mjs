// The JS trainer's parts one at a time against the lab's JAX: optimiser updates, losses with their gradients,
// activations with their derivatives, and erfc against scipy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.mjs";
import { OPTIMIZERS } from "../../src/softmaxlab/web/static/js/lab/optimizers.js";
import { LOSSES } from "../../src/softmaxlab/web/static/js/lab/losses.js";
import { ACTIVATIONS, erfc } from "../../src/softmaxlab/web/static/js/lab/models.js";

// |a - b| <= tol max(|b|, floor), element by element, naming the first that differs
function near(actual, expected, tol, floor, where) {
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= tol * Math.max(Math.abs(expected[i]), floor), `${where}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

test("every optimiser's update equals optax's as the lab chains it, to float32 rounding", () => {
  for (const c of fixture("train_optimizers")) {
    const w = Float32Array.from(c.w), opt = OPTIMIZERS[c.optimizer], state = opt.init(w.length);
    // to ~2 float32 ulps of the largest parameter on the path: w - lr u cancels where the two are close
    const size = Math.max(...c.path.flat().map(Math.abs));
    c.grads.forEach((g, t) => {
      opt.update(w, Float32Array.from(g), state, c.hp);
      near(w, c.path[t], 2.5e-7, size, `${c.optimizer} wd=${c.hp.weight_decay} step ${t + 1}`);
    });
  }
});

test("every loss's mean value and gradient equal jax.value_and_grad of the lab's", () => {
  for (const c of fixture("train_losses")) {
    const n = c.z.length, K = c.z[0].length, dz = new Float32Array(n * K);
    const value = LOSSES[c.loss](Float32Array.from(c.z.flat()), Int32Array.from(c.y), n, K, c.hp, dz);
    const where = `${c.loss} ${JSON.stringify(c.hp)} K=${K}`;
    near([value], [c.value], 1e-5, 1e-6, `${where} value`);
    const scale = Math.max(...c.grad.flat().map(Math.abs));
    near(dz, c.grad.flat(), 1e-5, scale, `${where} grad`);
  }
});

test("relu, tanh and gelu and their derivatives equal JAX's (relu'(0) = 0)", () => {
  for (const c of fixture("train_activations")) {
    const act = ACTIVATIONS[c.activation];
    const value = c.a.map((a) => act.value(Math.fround(a)));
    // XLA's float32 tanh is an approximation, up to 4.2 ulps from the rounded tanh on [-7.9, 7.9] and exactly
    // +-1 from |a| ~ 8 on; JS rounds Math.tanh: values agree to 5 ulps, slopes (1 + y)(1 - y) to 5 ulps of 1
    near(value, c.value, 6e-7, 1e-6, `${c.activation} value`);
    near(c.a.map((a, i) => act.slope(Math.fround(a), value[i])), c.slope, 6e-7, 1, `${c.activation} slope`);
  }
});

test("erfc equals scipy's to 2e-14 relative", () => {
  const { x, erfc: expected } = fixture("train_erfc");
  near(x.map(erfc), expected, 2e-14, 1e-300, "erfc");
});
