// input_space (softmaxlab.figures.input_space): the sum-zero space of 4 or 5 logits (a 3D slice of 4D),
// the simplex, the walls where two classes tie (clipped polygons) and points coloured by the winner.
// The skeleton holds every wall a slice can show; the walls this slice does not cut are left out.
import { sum_zero_basis, simplex_vertices, winning_class } from "../kernel/index.js";
import { copy, format, linspace, setMain, trace } from "./common.js";

export function variant({ classes = 4 }) {
  return `k${classes}`;
}

const dot = (a, x) => a[0] * x[0] + a[1] * x[1] + a[2] * x[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm = (v) => Math.sqrt(dot(v, v));

// Sutherland-Hodgman: the part of a convex polygon (3D points) where a . x + b >= 0
function clip(polygon, a, b) {
  const out = [];
  const n = polygon.length;
  for (let k = 0; k < n; k++) {
    const cur = polygon[k];
    const nxt = polygon[(k + 1) % n];
    const fc = dot(a, cur) + b;
    const fn = dot(a, nxt) + b;
    if (fc >= 0) out.push(cur);
    if ((fc >= 0) !== (fn >= 0)) out.push(cur.map((v, d) => v + (nxt[d] - v) * (fc / (fc - fn)))); // the crossing point
  }
  return out;
}

// the face where classes i and j tie and beat every other class, inside the box |x_d| <= extent
function tiePolygon(rows, offset, i, j, extent) {
  const normal = rows[i].map((v, d) => v - rows[j][d]);
  const normSq = dot(normal, normal);
  if (normSq < 1e-24) return [];
  const origin = normal.map((v) => (-(offset[i] - offset[j]) * v) / normSq);
  const abs = normal.map(Math.abs);
  const helper = [0, 0, 0];
  helper[abs.indexOf(Math.min(...abs))] = 1;
  let e1 = cross(normal, helper);
  const n1 = norm(e1);
  e1 = e1.map((v) => v / n1);
  const e2 = cross(normal, e1).map((v) => v / Math.sqrt(normSq));
  const half = extent * Math.sqrt(3) + norm(origin) + 1; // a square that covers the box's section
  let polygon = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([s, t]) => origin.map((o, d) => o + half * (s * e1[d] + t * e2[d])));
  for (let k = 0; k < rows.length; k++) {
    if (k !== i && k !== j) polygon = clip(polygon, rows[i].map((v, d) => v - rows[k][d]), offset[i] - offset[k]);
  }
  for (let d = 0; d < 3; d++) {
    for (const sign of [1, -1]) polygon = clip(polygon, [0, 1, 2].map((e) => (e === d ? -sign : -0 * sign)), extent);
  }
  return polygon;
}

export function figure(skeleton, { classes: k = 4, fourth = 0, extent = 1.2, points = true, resolution = 9 } = {}) {
  const fig = copy(skeleton);
  const f = k === 5 ? fourth : 0;
  const basis = sum_zero_basis(k); // (K, K-1)
  const rows = basis.map((r) => [r[0], r[1], r[2]]); // (K, 3): z = rows x + offset in the slice
  const offset = basis.map((r) => (k === 5 ? r[3] * f : 0));
  const keep = [];
  for (const t of fig.data) {
    if (!points && t.uid.startsWith("region-")) continue; // the builder draws no points then
    const tie = /^tie-(\d+)-(\d+)$/.exec(t.uid);
    if (!tie) {
      keep.push(t);
      continue;
    }
    const poly = tiePolygon(rows, offset, Number(tie[1]), Number(tie[2]), extent);
    if (poly.length < 3) continue; // this slice does not cut that wall
    const fan = Array.from({ length: poly.length - 2 }, (_, n) => n + 1); // triangles (0, t, t+1)
    Object.assign(t, { x: poly.map((p) => p[0]), y: poly.map((p) => p[1]), z: poly.map((p) => p[2]), i: fan.map(() => 0), j: fan, k: fan.map((v) => v + 1) });
    keep.push(t);
  }
  fig.data = keep;
  if (points) {
    const axis = linspace(-extent, extent, resolution);
    const byClass = Array.from({ length: k }, () => ({ x: [], y: [], z: [], customdata: [] }));
    for (const a of axis) for (const b of axis) for (const c of axis) {
      const x = [a, b, c];
      const z = rows.map((r, i) => x[0] * r[0] + x[1] * r[1] + x[2] * r[2] + offset[i]);
      const region = byClass[winning_class(z)];
      region.x.push(a);
      region.y.push(b);
      region.z.push(c);
      region.customdata.push(z);
    }
    byClass.forEach((region, c) => Object.assign(trace(fig, `region-${c}`), region));
  }
  const verts = simplex_vertices(k);
  const edges = { x: [], y: [], z: [] };
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) {
    for (const [axisName, d] of [["x", 0], ["y", 1], ["z", 2]]) edges[axisName].push(verts[a][d], verts[b][d], NaN);
  }
  Object.assign(trace(fig, "edges"), edges);
  Object.assign(trace(fig, "vertices"), { x: verts.map((v) => v[0]), y: verts.map((v) => v[1]), z: verts.map((v) => v[2]), customdata: verts.map((v, c) => [c, k === 5 ? v[3] : 0]) });
  for (const name of ["xaxis", "yaxis", "zaxis"]) fig.layout.scene[name].range = [-extent, extent];
  if (k === 5) {
    setMain(fig, `5 classes: the 3D slice u₄ = ${format(f, "g")} of 4D`);
    const note = fig.layout.annotations[0];
    note.text = note.text.replace(/ = [^=]*$/, ` = ${format(f, "g")}`);
  }
  return fig;
}
