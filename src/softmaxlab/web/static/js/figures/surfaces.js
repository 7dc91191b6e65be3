// surfaces_2 and surfaces_3 (softmaxlab.figures.surfaces): softmax over the logit plane (2 classes) or
// over the plane of sum-zero logits (3 classes), with derivatives, Gaussians, the shift line and a marker.
// Mirrors the builders; a grid point [r][c] is (axis[c], axis[r]), as numpy's broadcast there.
import { from_subspace, gaussian_posterior, simplex_vertices, softmax, softmax_jacobian, to_subspace } from "../kernel/index.js";
import { copy, format, linspace, setMain, sub, trace } from "./common.js";

const STEM_TOP = 1.1; // surfaces.STEM_TOP: stems stand above p = 1, the highest any surface reaches

const ENTRIES = { 2: [[0, 0], [0, 1]], 3: [[0, 0], [0, 1], [0, 2]] }; // the builders' default Jacobian entries

function key(options, k) {
  const bit = (v) => (v ? 1 : 0);
  let out = `d${bit(options.derivatives)}g${bit(options.gaussians)}m${bit(options.marker != null)}`;
  if (k === 2) out += `s${bit(options.shift_line)}`;
  return out;
}

export const surfaces2 = {
  variant: (options) => key(options, 2),
  figure: (skeleton, options) => draw(skeleton, options, 2),
};

export const surfaces3 = {
  variant: (options) => key(options, 3),
  figure: (skeleton, options) => draw(skeleton, options, 3),
};

// a (n, n) grid of f(point) for every grid point, as nested rows
function grid(n, f) {
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => f(r, c)));
}

function draw(skeleton, options, k) {
  const { temperature: t = 1, derivatives = false, gaussians = false, marker = null } = options;
  const extent = options.extent ?? (k === 2 ? 6 : 4);
  const resolution = options.resolution ?? 61;
  const entries = options.entries ?? ENTRIES[k];
  const fig = copy(skeleton);
  const axis = linspace(-extent, extent, resolution); // (n,)
  const n = axis.length;
  // the logits at every grid point: (axis[c], axis[r]) itself for 2 classes, B u for 3
  const logits = grid(n, (r, c) => (k === 2 ? [axis[c], axis[r]] : from_subspace([axis[c], axis[r]])));
  const p = grid(n, (r, c) => softmax(logits[r][c], { temperature: t })); // (n, n, K)
  for (let i = 0; i < k; i++) Object.assign(trace(fig, `p${i}`), { x: axis, y: axis, z: p.map((row) => row.map((q) => q[i])) });

  const verts = k === 3 ? simplex_vertices(3) : null;
  if (k === 3) {
    Object.assign(trace(fig, "vertices"), { x: verts.map((v) => v[0]), y: verts.map((v) => v[1]), z: [0, 0, 0] });
    // per vertex: the floor, the top, a NaN that breaks the line
    Object.assign(trace(fig, "vertex-stems"), {
      x: verts.flatMap((v) => [v[0], v[0], NaN]), y: verts.flatMap((v) => [v[1], v[1], NaN]), z: verts.flatMap(() => [0, STEM_TOP, NaN]),
    });
  }
  if (gaussians) {
    // N(T e_i, T^2 I): its posterior is the unit-Gaussian posterior of z / T, i.e. softmax(z / T)
    const post = grid(n, (r, c) => gaussian_posterior(Array.from(logits[r][c], (v) => v / t)));
    for (let i = 0; i < k; i++) {
      const centre = k === 2 ? [i === 0 ? 1 : 0, i === 1 ? 1 : 0] : verts[i];
      const point = (r, c) => (k === 2 ? logits[r][c] : [axis[c], axis[r]]); // the plane's own coordinates
      const dens = grid(n, (r, c) => {
        const x = point(r, c);
        const sq = (x[0] / t - centre[0]) ** 2 + (x[1] / t - centre[1]) ** 2;
        return Math.exp(-sq / 2) / (2 * Math.PI * t ** 2);
      });
      const g = trace(fig, `gauss${i}`);
      // drawn divided by its peak 1/(2 pi T^2); the hover reads the true density
      const peak = 2 * Math.PI * t ** 2;
      Object.assign(g, { x: axis, y: axis, z: dens.map((row) => row.map((v) => v * peak)), customdata: dens });
      const tg = format(t, "g");
      g.name = k === 2 ? `Gaussian ${i}: N(${tg}·e${sub(i)}, ${tg}²I), peak at 1` : `Gaussian ${i} at ${tg}·v${sub(i)}, peak at 1`;
      g.hovertemplate = g.hovertemplate.replace(/<extra>.*<\/extra>$/, `<extra>${g.name}</extra>`);
      const w = trace(fig, `posterior${i}`);
      Object.assign(w, { x: axis, y: axis, z: post.map((row) => row.map((q) => q[i])) });
      for (const d of ["x", "y"]) Object.assign(w.contours[d], { start: axis[0], end: axis[n - 1], size: (axis[n - 1] - axis[0]) / 12 });
    }
  }
  const mark = marker == null ? null : k === 2 ? [marker[0], marker[1]] : to_subspace(marker);
  if (k === 2 && options.shift_line) {
    const [a, b] = mark ?? [0, 0];
    const end = axis[n - 1];
    // the part of {(a, b) + s (1, 1)} inside the square
    const s = linspace(Math.max(-end - a, -end - b), Math.min(end - a, end - b), 50);
    const line = Array.from(s, (v) => [a + v, b + v]);
    const pl = line.map((z) => softmax(z, { temperature: t })); // constant along the line
    const line0 = line.map((z) => z[0]);
    const line1 = line.map((z) => z[1]);
    Object.assign(trace(fig, "shift-line"), {
      x: [...line0, NaN, ...line0], y: [...line1, NaN, ...line1], z: [...pl.map((q) => q[0]), NaN, ...pl.map((q) => q[1])],
    });
  }
  const markLogits = mark == null ? null : k === 2 ? mark : from_subspace(mark);
  if (mark != null) {
    const pm = softmax(markLogits, { temperature: t });
    Object.assign(trace(fig, "marker"), { x: Array(k).fill(mark[0]), y: Array(k).fill(mark[1]), z: pm });
    Object.assign(trace(fig, "marker-stem"), { x: [mark[0], mark[0]], y: [mark[1], mark[1]], z: [0, STEM_TOP] });
  }
  if (derivatives) {
    const jac = grid(n, (r, c) => softmax_jacobian(logits[r][c], { temperature: t })); // (n, n, K, K)
    for (const [i, j] of entries) Object.assign(trace(fig, `dp${i}-dz${j}`), { x: axis, y: axis, z: jac.map((row) => row.map((m) => m[i][j])) });
    if (mark != null) {
      const jm = softmax_jacobian(markLogits, { temperature: t });
      Object.assign(trace(fig, "marker-jacobian"), {
        x: Array(entries.length).fill(mark[0]), y: Array(entries.length).fill(mark[1]), z: entries.map(([i, j]) => jm[i][j]),
      });
    }
  }
  setMain(fig, k === 2 ? `Softmax of 2 logits as surfaces (T = ${format(t, "g")})` : `Softmax over the sum-zero plane (T = ${format(t, "g")})`);
  return fig;
}

