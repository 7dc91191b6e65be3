// logit_paths and readings (softmaxlab.figures.paths, .readings) for runs trained in the page. The build
// embeds one skeleton per number of classes K, made by the builders for one run with its inputs; this
// module repeats run 0's traces and scene for every run (uids, scenes and legend entries as the builder
// names them) and writes every number. tests/test_web_paths.py compares the result with the builders.
//
// A run here is {logits: Float32Array (records*samples*K), shape: [records, samples, K], steps, labels,
// inputs: Float32Array (samples*dim), dim, loss, accuracy}: what the page's worker hands back.
import { sum_zero_basis, simplex_vertices, to_subspace } from "../kernel/index.js";
import { copy, format, linspace, sub } from "./common.js";

const f32 = Math.fround;

/** decimate(count, limit): at most `limit` evenly spaced indices, always the first and the last. */
export function decimate(count, limit) {
  if (count <= limit) return Array.from({ length: count }, (_, i) => i);
  const out = [];
  for (const v of linspace(0, count - 1, limit)) {
    const r = rint(v);
    if (out[out.length - 1] !== r) out.push(r); // np.unique of a sorted sequence
  }
  return out;
}

// numpy's round to an integer: halves to even
function rint(x) {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Run.record_of_step: the last record at or before `step` (-1: the last record). */
export function recordOfStep(steps, step) {
  if (step === -1) return steps.length - 1;
  if (!(steps[0] <= step && step <= steps[steps.length - 1])) {
    throw new Error(`step must lie in the recorded steps [${steps[0]}, ${steps[steps.length - 1]}] (or be -1 for the last)`);
  }
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid] <= step) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(a) {
  const n = a.length;
  const m = a.map((row) => Float64Array.from(row));
  const v = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (i === j ? (scale += m[i][i] ** 2) : (off += m[i][j] ** 2));
    if (off <= 1e-30 * Math.max(scale, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        if (m[p][q] === 0) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) { // columns p, q of m
          const mkp = m[k][p], mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) { // rows p, q of m
          const mpk = m[p][k], mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j][j] - m[i][i]);
  return { values: order.map((i) => m[i][i]), vectors: v.map((row) => order.map((i) => row[i])) };
}

// the three leading principal axes of centred points (rows), each with its largest entry positive
function principalAxes(rows, width) {
  const mean = new Float64Array(width);
  for (const r of rows) for (let j = 0; j < width; j++) mean[j] += r[j] / rows.length;
  const scatter = Array.from({ length: width }, () => new Float64Array(width));
  for (const r of rows) {
    for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) scatter[i][j] += (r[i] - mean[i]) * (r[j] - mean[j]);
  }
  const { values, vectors } = symmetricEigen(scatter);
  const w = vectors.map((row) => row.slice(0, 3)); // (width, 3)
  for (let a = 0; a < 3; a++) {
    let best = 0;
    for (let i = 1; i < width; i++) if (Math.abs(w[i][a]) > Math.abs(w[best][a])) best = i;
    if (w[best][a] < 0) for (let i = 0; i < width; i++) w[i][a] = -w[i][a];
  }
  return { w, values, mean };
}

/** fit_projection: {matrix (K rows of 3), axes, kind} for the drawn logits of all runs (rows of K). */
export function fitProjection(rows, k) {
  if (k === 2) return { matrix: [[1, 0, 0], [0, 1, 0]], axes: [`z${sub(0)}`, `z${sub(1)}`, "step"], kind: "time" };
  if (k === 3) return { matrix: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], axes: [0, 1, 2].map((c) => `z${sub(c)}`), kind: "raw" };
  const basis = sum_zero_basis(k);
  const { w, values } = principalAxes(rows.map((z) => to_subspace(z, basis)), k - 1);
  const total = values.reduce((a, b) => a + b, 0);
  const axes = [0, 1, 2].map((i) => `PC${i + 1} (${format(total > 0 ? (100 * values[i]) / total : 0, ".0f")}%)`);
  const matrix = basis.map((row) => [0, 1, 2].map((a) => row.reduce((s, b, j) => s + b * w[j][a], 0)));
  return { matrix, axes, kind: "pca" };
}

// the drawn coordinates (float32, as the builder's z @ matrix.astype(float32)) of one logit vector
function project(logits, at, k, m32, out) {
  for (let a = 0; a < 3; a++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += logits[at + j] * m32[j][a];
    out[a] = f32(s);
  }
  return out;
}

// ((x*x + y*y) + z*z) in float32 and its square root, as numpy's norm of a float32 vector
function norm32(v, n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = f32(s + f32(v[i] * v[i]));
  return f32(Math.sqrt(s));
}

/** panel_grid: [[x domain, y domain]] per panel and the number of rows. */
export function panelGrid(count, columns = null) {
  columns = Math.min(columns ?? (count <= 3 ? count : Math.ceil(count / 2)), count);
  const rows = Math.ceil(count / columns);
  const xs = panelDomains(columns, 0.03);
  const ys = panelDomains(rows, 0.08).reverse();
  return { cells: Array.from({ length: count }, (_, i) => [xs[i % columns], ys[Math.floor(i / columns)]]), rows };
}

// style.panel_domains for equal sizes (rounded to 6 decimals as Python's round)
function panelDomains(n, gap) {
  const usable = 1 - gap * (n - 1);
  const out = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const w = (1 / n) * usable;
    out.push([round6(start), round6(start + w)]);
    start += w + gap;
  }
  return out;
}

const round6 = (x) => Number(x.toFixed(6));

function sameInputs(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// _input_coords: as they are for d <= 3 (zeros fill), the principal axes for d > 3
function inputCoords(x, n, d) {
  const out = new Float32Array(n * 3);
  if (d <= 3) {
    for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) out[s * 3 + j] = x[s * d + j];
    return { points: out, axes: [0, 1, 2].map((i) => (i < d ? `x${sub(i)}` : "")) };
  }
  const rows = Array.from({ length: n }, (_, s) => Float64Array.from(x.subarray(s * d, (s + 1) * d)));
  const { w, mean } = principalAxes(rows, d);
  rows.forEach((r, s) => {
    for (let a = 0; a < 3; a++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += (r[j] - mean[j]) * w[j][a];
      out[s * 3 + a] = v;
    }
  });
  return { points: out, axes: ["input PC1", "input PC2", "input PC3"] };
}

const sceneName = (i) => (i === 0 ? "scene" : `scene${i + 1}`);

function template(skeleton, uid) {
  const found = skeleton.data.find((t) => t.uid === uid);
  if (!found) throw new Error(`the logit-paths skeleton has no trace ${uid}`);
  return found;
}

/**
 * logit_paths(runs, step=, titles=, max_records=, columns=, highlight=): the figure from the skeleton of K
 * classes. Samples are never subset here (the browser's limits keep a run at most max_samples).
 */
export function logitPaths(skeleton, runs, { step = null, titles, maxRecords = 200, maxSamples = 2000, columns = null, showGuides = true, highlight = null } = {}) {
  const k = runs[0].shape[2];
  const fig = copy(skeleton);
  const picks = runs.map((run) => {
    const [records, samples] = run.shape;
    if (samples > maxSamples) throw new Error(`a run of ${samples} samples is more than the figure's ${maxSamples}`);
    return decimate(records, maxRecords);
  });
  // the drawn logits of every run, rows of K, for the projection (fitted on all runs: shared axes)
  const rows = [];
  runs.forEach((run, i) => {
    const [, samples] = run.shape;
    for (const r of picks[i]) for (let s = 0; s < samples; s++) rows.push(run.logits.subarray((r * samples + s) * k, (r * samples + s + 1) * k));
  });
  const { matrix, axes, kind } = fitProjection(k > 3 ? rows.map((z) => Float64Array.from(z)) : [], k);
  const m32 = matrix.map((row) => row.map(f32));

  // the coordinates (records, samples, 3) of every run, and the shared reach
  const point = new Float32Array(3);
  let reach = 0;
  const coords = runs.map((run, i) => {
    const [, samples] = run.shape;
    const out = new Float32Array(picks[i].length * samples * 3);
    picks[i].forEach((r, ri) => {
      for (let s = 0; s < samples; s++) {
        project(run.logits, (r * samples + s) * k, k, m32, point);
        const size = norm32(point, kind === "time" ? 2 : 3);
        if (size > reach) reach = size;
        if (kind === "time") point[2] = run.steps[r];
        out.set(point, (ri * samples + s) * 3);
      }
    });
    return out;
  });
  const first = Math.min(...runs.map((r) => r.steps[0]));
  const last = Math.max(...runs.map((r) => r.steps[r.steps.length - 1]));

  // input sets: one scene per distinct set
  const groups = [];
  runs.forEach((run, i) => {
    if (!run.inputs) return;
    const same = groups.find((g) => sameInputs(runs[g[0]].inputs, run.inputs));
    if (same) same.push(i);
    else groups.push([i]);
  });

  const { cells, rows: gridRows } = panelGrid(runs.length + groups.length, columns);
  const runScene = skeleton.layout.scene;
  const inputScene = skeleton.layout.scene2;
  const annotations = skeleton.layout.annotations;
  const [runTitle, inputTitle] = annotations;
  const noteTemplate = annotations[annotations.length - 1];
  const data = [];
  const newAnnotations = [];
  const half = round6(1.05 * (reach || 1));
  const meta = [];
  for (const key of Object.keys(fig.layout)) if (/^scene\d*$/.test(key)) delete fig.layout[key];

  runs.forEach((run, i) => {
    const [records, samples] = run.shape;
    const name = sceneName(i);
    const r = picks[i].length;
    const c3 = coords[i];
    const stepRecord = step === null ? null : recordOfStep(run.steps, step);
    for (let c = 0; c < k; c++) {
      const members = [];
      for (let s = 0; s < samples; s++) if (run.labels[s] === c) members.push(s);
      // _gapped: one path per sample, NaN between paths
      const n = members.length ? members.length * (r + 1) - 1 : 0;
      const x = new Float32Array(n).fill(NaN), y = new Float32Array(n).fill(NaN), z = new Float32Array(n).fill(NaN);
      members.forEach((s, m) => {
        for (let ri = 0; ri < r; ri++) {
          const at = (ri * samples + s) * 3, to = m * (r + 1) + ri;
          x[to] = c3[at]; y[to] = c3[at + 1]; z[to] = c3[at + 2];
        }
      });
      const column = (ri, a) => Float32Array.from(members, (s) => c3[(ri * samples + s) * 3 + a]);
      const lines = { ...copy(template(skeleton, `lines-0-${c}`)), uid: `lines-${i}-${c}`, scene: name, showlegend: i === 0, x, y, z };
      data.push(lines);
      data.push({ ...copy(template(skeleton, `start-0-${c}`)), uid: `start-${i}-${c}`, scene: name, x: column(0, 0), y: column(0, 1), z: column(0, 2), customdata: members });
      data.push({ ...copy(template(skeleton, `end-0-${c}`)), uid: `end-${i}-${c}`, scene: name, x: column(r - 1, 0), y: column(r - 1, 1), z: column(r - 1, 2),
        customdata: members, meta: `step ${run.steps[records - 1]}` });
      if (stepRecord !== null) {
        const at = atRecord(run, stepRecord, members, m32, k, kind);
        data.push({ ...copy(template(skeleton, `step-0-${c}`)), uid: `step-${i}-${c}`, scene: name, ...at, customdata: members,
          meta: `step ${run.steps[stepRecord]}` });
      }
    }
    if (showGuides && kind !== "time") data.push(...guides(skeleton, k, matrix, reach || 1, name, i));
    const scene = copy(runScene);
    scene.domain = { x: cells[i][0], y: cells[i][1] };
    ["xaxis", "yaxis", "zaxis"].forEach((a, j) => {
      scene[a].title.text = axes[j];
      scene[a].range = [-half, half];
    });
    if (kind === "time") scene.zaxis.range = [first, Math.max(last, first + 1)];
    fig.layout[name] = scene;
    newAnnotations.push(panelTitle(runTitle, titles[i], cells[i]));
    meta.push({ scene: name, records: picks[i], samples: Array.from({ length: samples }, (_, s) => s), kind, matrix, step_record: stepRecord });
  });

  groups.forEach((members, j) => {
    const name = `scene${runs.length + j + 1}`;
    const run = runs[members[0]];
    const [, samples] = run.shape;
    const { points, axes: inputAxes } = inputCoords(run.inputs, samples, run.dim);
    let most = 0;
    for (let s = 0; s < samples; s++) most = Math.max(most, run.labels[s]);
    for (let c = 0; c <= most; c++) {
      const at = [];
      for (let s = 0; s < samples; s++) if (run.labels[s] === c) at.push(s);
      data.push({ ...copy(template(skeleton, `inputs-0-${c}`)), uid: `inputs-${j}-${c}`, scene: name,
        x: Float32Array.from(at, (s) => points[s * 3]), y: Float32Array.from(at, (s) => points[s * 3 + 1]), z: Float32Array.from(at, (s) => points[s * 3 + 2]),
        customdata: at });
    }
    const scene = copy(inputScene);
    scene.domain = { x: cells[runs.length + j][0], y: cells[runs.length + j][1] };
    ["xaxis", "yaxis", "zaxis"].forEach((a, i) => (scene[a].title.text = inputAxes[i]));
    fig.layout[name] = scene;
    const which = members.length === runs.length ? "" : " of " + members.map((m) => titles[m]).join(", ");
    newAnnotations.push(panelTitle(inputTitle, `inputs${which}`, cells[runs.length + j]));
  });

  const notes = [];
  if (runs.some((run, i) => picks[i].length < run.shape[0])) notes.push(`paths through ${maxRecords} evenly spaced records`);
  if (showGuides && kind === "raw") notes.push("grey: the shift (1,1,1), which softmax ignores");
  if (notes.length) newAnnotations.push({ ...copy(noteTemplate), text: notes.join("<br>") });
  if (highlight !== null) data.push(...highlightTraces(skeleton, data, highlight));
  fig.data = data;
  fig.layout.annotations = newAnnotations;
  fig.layout.height = gridRows === 1 ? 600 : 150 + 430 * gridRows;
  const marks = "○ before training, ● end" + (step === -1 ? ", ◆ the last step" : step !== null ? `, ◆ step ${step}` : "");
  const main = "Logit paths while training" + (runs.length === 1 ? "" : `: ${runs.length} runs`);
  fig.layout.title.text = fig.layout.title.text
    .replace(/^[^<]*/, main)
    .replace(/(>one line per sample, coloured by its class: )[^;]*;/, `$1${marks};`);
  fig.layout.meta = { softmaxlab: { figure: "logit-paths", runs: meta, linked_scenes: meta.map((m) => m.scene) } };
  return fig;
}

/**
 * highlight_traces: sample `sample` picked out of the drawn `data` (the figure's traces, or a plotly div's
 * gd.data): its path thick (`highlight-R`, per run that draws it) and its input point drawn large
 * (`highlight-inputs-G`), styled as the skeleton's (the point coloured as its class's).
 */
export function highlightTraces(skeleton, data, sample) {
  const lines = new Map(data.filter((t) => t.uid.startsWith("lines-")).map((t) => [t.uid, t]));
  const out = [];
  for (const t of data) {
    const [kind, ...at] = t.uid.split("-");
    if (kind !== "end" && kind !== "inputs") continue;
    const m = Array.prototype.indexOf.call(t.customdata, sample);
    if (m < 0) continue;
    const c = at[at.length - 1];
    const tip = `sample ${sample}<br>class ${c}<extra></extra>`;
    if (kind === "end") {
      const path = lines.get(`lines-${at[0]}-${c}`);
      const r = (path.x.length + 1) / t.customdata.length - 1; // records drawn: paths of r points, one NaN between
      const from = m * (r + 1);
      const base = copy(template(skeleton, "highlight-0"));
      out.push({ ...base, uid: `highlight-${at[0]}`, name: `sample ${sample}`, scene: t.scene, legendgroup: `class-${c}`, hovertemplate: tip,
        x: path.x.slice(from, from + r), y: path.y.slice(from, from + r), z: path.z.slice(from, from + r) });
    } else {
      const base = copy(template(skeleton, "highlight-inputs-0"));
      out.push({ ...base, uid: `highlight-inputs-${at[0]}`, name: `sample ${sample}, input`, scene: t.scene, legendgroup: `class-${c}`, hovertemplate: tip,
        x: t.x.slice(m, m + 1), y: t.y.slice(m, m + 1), z: t.z.slice(m, m + 1), marker: { ...base.marker, color: t.marker.color } });
    }
  }
  return out;
}

/** at_record: the diamonds' {x, y, z} of `members` at `record` (exact, not decimated). */
export function atRecord(run, record, members, m32, k, kind) {
  const [, samples] = run.shape;
  const point = new Float32Array(3);
  const x = new Float32Array(members.length), y = new Float32Array(members.length), z = new Float32Array(members.length);
  members.forEach((s, m) => {
    project(run.logits, (record * samples + s) * k, k, m32, point);
    x[m] = point[0]; y[m] = point[1]; z[m] = kind === "time" ? run.steps[record] : point[2];
  });
  return { x, y, z };
}

function guides(skeleton, k, matrix, reach, scene, run) {
  const out = [];
  for (let c = 0; c < k; c++) {
    const direction = [0, 1, 2].map((a) => matrix.reduce((s, row, j) => s + ((j === c ? 1 : 0) - 1 / k) * row[a], 0));
    const length = Math.hypot(...direction);
    if (length < 1e-9) continue;
    const end = direction.map((v) => (v / length) * reach);
    out.push({ ...copy(template(skeleton, `vertex-0-${c}`)), uid: `vertex-${run}-${c}`, scene, x: [0, end[0]], y: [0, end[1]], z: [0, end[2]] });
  }
  const shift = [0, 1, 2].map((a) => matrix.reduce((s, row) => s + row[a], 0));
  const length = Math.hypot(...shift);
  if (length > 1e-9) {
    const end = shift.map((v) => (v / length) * reach);
    out.push({ ...copy(template(skeleton, "shift-0")), uid: `shift-${run}`, scene, showlegend: run === 0, x: [-end[0], end[0]], y: [-end[1], end[1]], z: [-end[2], end[2]] });
  }
  return out;
}

function panelTitle(base, text, [x, y]) {
  return { ...copy(base), text: `<b>${text}</b>`, x: (x[0] + x[1]) / 2, y: y[1] };
}

// ---- readings ------------------------------------------------------------------------------------

const PANELS = [["loss", "x", "y", "loss"], ["accuracy", "x2", "y2", "accuracy"], ["norm", "x3", "y3", "mean logit norm ‖z‖"],
  ["margin", "x4", "y4", "mean margin z_y − max other"]];

/** reading_values: loss, accuracy, mean norm, mean margin (R) and each class's angle to its vertex (R x K). */
export function readingValues(run) {
  const [records, samples, k] = run.shape;
  const vertices = simplex_vertices(k);
  const basis = sum_zero_basis(k);
  const norm = new Float32Array(records), margin = new Float32Array(records);
  const angles = Array.from({ length: records }, () => new Float32Array(k));
  const counts = new Float64Array(k);
  for (let s = 0; s < samples; s++) counts[run.labels[s]] += 1;
  for (let r = 0; r < records; r++) {
    let n = 0, m = 0;
    const means = Array.from({ length: k }, () => new Float64Array(k));
    for (let s = 0; s < samples; s++) {
      const at = (r * samples + s) * k, y = run.labels[s];
      let sq = 0, other = -Infinity;
      for (let j = 0; j < k; j++) {
        const v = run.logits[at + j];
        sq += v * v;
        if (j !== y && v > other) other = v;
        means[y][j] += v / counts[y];
      }
      n += f32(Math.sqrt(sq));
      m += f32(run.logits[at + y] - other);
    }
    norm[r] = n / samples;
    margin[r] = m / samples;
    for (let c = 0; c < k; c++) {
      const u = to_subspace(means[c].map(f32), basis);
      const v = vertices[c];
      const dot = u.reduce((s, x, j) => s + x * v[j], 0);
      const lengths = Math.hypot(...u) * Math.hypot(...v);
      const biggest = Math.max(1, ...means[c].map((x) => Math.abs(f32(x))));
      const usable = Number.isFinite(lengths) && lengths > 1e-12 * biggest && counts[c] > 0;
      angles[r][c] = usable ? (Math.acos(Math.min(1, Math.max(-1, dot / lengths))) * 180) / Math.PI : NaN;
    }
  }
  return { loss: run.loss, accuracy: run.accuracy, norm, margin, angles };
}

/** readings(runs, titles=, step=): the readings figure from the skeleton of K classes; `palette` the builder's. */
export function readings(skeleton, runs, { titles, step = null, palette }) {
  const fig = copy(skeleton);
  const data = [];
  runs.forEach((run, i) => {
    const values = readingValues(run);
    const name = titles[i];
    const color = palette.run_colors[i % palette.run_colors.length];
    const x = Array.from(run.steps);
    for (const [key, , , label] of PANELS) {
      const t = { ...copy(template(skeleton, `${key}-0`)), uid: `${key}-${i}`, name, legendgroup: `run-${i}`, x, y: values[key] };
      t.line = { ...t.line, color };
      t.hovertemplate = `step %{x}<br>${label} = %{y:.4g}<extra>${name}</extra>`;
      data.push(t);
    }
    for (let c = 0; c < run.shape[2]; c++) {
      const t = { ...copy(template(skeleton, `angle-0-${c}`)), uid: `angle-${i}-${c}`, name: `${name}: class ${c}`, legendgroup: `run-${i}`, x,
        y: Float32Array.from(values.angles, (row) => row[c]) };
      t.line = { ...t.line, dash: palette.dashes[i % palette.dashes.length] };
      t.hovertemplate = `step %{x}<br>class ${c}: %{y:.1f}°<extra>${name}</extra>`;
      data.push(t);
    }
  });
  fig.data = data;
  setNow(fig.layout, step);
  return fig;
}

/** The "now" cursor of readings(step=): one dotted line per panel (none for null). */
export function setNow(layout, step) {
  if (step === null) {
    delete layout.shapes;
    return layout;
  }
  layout.shapes = layout.shapes.map((s) => ({ ...s, x0: step, x1: step }));
  return layout;
}
