// loss_landscape (softmaxlab.figures.losses): a loss over the logit plane (2 classes) or the sum-zero
// plane (3), with cones along -grad L. One skeleton per loss, number of classes and true class.
import { LOSSES, from_subspace, simplex_vertices, sum_zero_basis } from "../kernel/index.js";
import { copy, format, linspace, setMain, trace } from "./common.js";

export function variant({ loss = "cross-entropy", classes = 2, label = 0 }) {
  return `${loss}-k${classes}-y${label}`;
}

// the options `loss` takes, as in the builder's _loss_options
function lossOptions(loss, { label_smoothing = 0, gamma = 2, margin = 1 }) {
  return { "cross-entropy": { label_smoothing }, focal: { gamma }, hinge: { margin } }[loss] ?? {};
}

function describe(loss, opts) {
  const extra = Object.entries(opts)
    .filter(([k, v]) => !(k === "label_smoothing" && v === 0))
    .map(([k, v]) => `${k.replace("_", " ")} ${format(v, "g")}`)
    .join(", ");
  return extra ? `${loss} (${extra})` : loss;
}

export function figure(skeleton, options) {
  const { loss = "cross-entropy", classes: k = 2, label: y = 0, extent = 4, resolution = 41, arrows = 9 } = options;
  const opts = lossOptions(loss, options);
  const spec = LOSSES[loss];
  const basis = sum_zero_basis(3);
  const fig = copy(skeleton);

  function heightsAndGrads(axis) {
    const at = [], value = [], grad = [];
    for (let r = 0; r < axis.length; r++) {
      for (let c = 0; c < axis.length; c++) {
        const plane = [axis[c], axis[r]];
        const z = k === 2 ? plane : from_subspace(plane, basis);
        let g = spec.grad(z, y, opts);
        if (k === 3) g = [0, 1].map((j) => g[0] * basis[0][j] + g[1] * basis[1][j] + g[2] * basis[2][j]); // dL/du = B^T dL/dz
        at.push(plane);
        value.push(spec.value(z, y, opts));
        grad.push(g);
      }
    }
    return { at, value, grad };
  }

  const axis = linspace(-extent, extent, resolution);
  const { value } = heightsAndGrads(axis);
  const coarse = linspace(-extent, extent, arrows + 2).slice(1, -1); // inside the edges
  const { at, value: height, grad } = heightsAndGrads(coarse);
  const n = axis.length;
  const title = describe(loss, opts);
  const surface = trace(fig, "loss");
  Object.assign(surface, { name: `L = ${title}`, x: axis, y: axis, z: Array.from({ length: n }, (_, r) => value.slice(r * n, (r + 1) * n)) });
  surface.hovertemplate = surface.hovertemplate.replace(/<extra>.*<\/extra>$/, `<extra>${title}</extra>`);
  Object.assign(trace(fig, "gradient"), {
    x: at.map((a) => a[0]), y: at.map((a) => a[1]), z: height,
    u: grad.map((g) => -g[0]), v: grad.map((g) => -g[1]), w: grad.map((g) => -(g[0] ** 2 + g[1] ** 2)),
  });
  const target = k === 2 ? [y === 0 ? 1 : 0, y === 1 ? 1 : 0] : simplex_vertices(3)[y];
  Object.assign(trace(fig, "target"), { x: [target[0]], y: [target[1]], z: [0] });
  // a stem up through the surface from the floor's one-hot point, to above the highest loss drawn
  let highest = -Infinity;
  for (const v of value) if (v > highest) highest = v;
  Object.assign(trace(fig, "target-stem"), { x: [target[0], target[0]], y: [target[1], target[1]], z: [0, 1.05 * highest] });
  const main = `${title.charAt(0).toUpperCase()}${title.slice(1).toLowerCase()} for ${k} classes, true class ${y}`;
  setMain(fig, main);
  return fig;
}
