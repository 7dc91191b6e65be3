// The paths view, one for the Logit paths lab (runs trained in the page) and the Runs page (runs read from the
// server): the logit-paths figure of figures/paths.js (the paths, their input points, the ◆ at a step), the
// readings over steps below it, the step slider with play/pause and the camera's named views. The page owns
// the runs and the state; the view draws what it is handed and reports a moved step or a turned camera. The
// pointer over a path (or its dots) picks out that sample: its path drawn thick in every run and its input
// point drawn large; the pointer over an input point does the same (logit_paths(highlight=)).
//
// A run is {logits: Float32Array (records*samples*K), shape: [records, samples, K], steps, labels, inputs,
// dim, loss, accuracy}, as figures/paths.js reads it.
import { element } from "./controls.js";
import { applyCamera, cameraText } from "./camera.js";
import { plotConfig } from "./update.js";
import { atRecord, highlightTraces, logitPaths, readings, recordOfStep, setNow } from "../figures/paths.js";

export const VIEWS = [["look down (1,1,1)", "1.4,1.4,1.4"], ["from above", "0,0,2.5"], ["from the side", "2.5,-0.4,0.3"]];
export const PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud", "editInChartStudio"] };
const FRAME_MS = 33; // play at about 30 frames a second
const MAX_K = 10; // the build carries a skeleton per K of 2 to 10

const copy = (x) => structuredClone(x);

/**
 * The view's elements (`pathsDiv`, `readingsDiv`, `player`, `views`: the camera buttons) and its methods.
 *
 * - `data`: the build's data (the paths skeletons per K and the figures' template).
 * - `root`: where it announces `softmaxlab:step` ({step, ms}) and `softmaxlab:highlight` ({sample}: null when
 *   the pointer left).
 * - `state()`: the page's `{step, camera}` (step -1: the last).
 * - `onState(change)`: a moved step (`{step}`, -1 at the last) or a turned camera (`{camera}`); the page keeps
 *   it and writes its link.
 * - `serverReadings`: the readings figure is handed in (`setReadings`), as the server draws it, rather than
 *   computed here from the runs; the view puts its "now" cursor on it.
 */
export function pathsView({ data, root, state, onState, serverReadings = false }) {
  const pathsDiv = element("div", { class: "figure", id: "figure-0", "data-figure": "logit-paths" });
  const readingsDiv = element("div", { class: "figure", id: "figure-1", "data-figure": "readings" });
  const play = element("button", { type: "button", class: "play" }, "play");
  const stepSlider = element("input", { type: "range", min: "0", max: "1", step: "1", value: "1", "aria-label": "step", id: "control-step" });
  const stepText = element("span", { class: "step-value" }, "");
  const player = element("div", { class: "player" }, play, element("label", { for: "control-step" }, "step"), stepSlider, stepText);
  let shown = []; // the runs last drawn
  let titles = [];
  let given = null; // the server's readings figure (serverReadings)
  let drawnStep = null; // {step, matrix, kind} of the last full draw
  let playing = null;
  let highlighted = null; // the sample the pointer picked out (null: none)

  const views = VIEWS.map(([label, camera]) => {
    const button = element("button", { type: "button", class: "view" }, label);
    button.addEventListener("click", () => {
      onState({ camera });
      redraw();
    });
    return button;
  });

  const lastStep = (runs) => Math.min(...runs.map((r) => r.steps[r.steps.length - 1]));
  const firstStep = (runs) => Math.max(...runs.map((r) => r.steps[0]));
  // the step shown: the last while growing or at -1, else the page's step within what is drawn
  const stepOf = (runs, growing) => {
    const step = state().step;
    if (growing || step < 0) return lastStep(runs);
    return Math.max(firstStep(runs), Math.min(step, lastStep(runs)));
  };

  function skeletonK(runs) {
    return String(runs[0].shape[2]);
  }

  /** Draw `runs` (with `titles`) in full: the paths at the step, the readings (unless `readings: false`),
   * the player. */
  function draw(runs, names, { growing = false, readings: withReadings = true } = {}) {
    shown = runs;
    titles = names;
    if (!runs.length) return null;
    const k = skeletonK(runs);
    if (!(Number(k) >= 2 && Number(k) <= MAX_K)) throw new Error(`the paths view draws 2 to ${MAX_K} classes; this run has ${k}`);
    const step = stepOf(runs, growing);
    const narrow = window.innerWidth < 700;
    const fig = logitPaths(data.paths["logit-paths"][k], runs, { step, titles, columns: narrow ? 1 : null, highlight: highlighted });
    fig.layout.template = data.template;
    if (narrow) {
      // a phone: the hint in two lines and the legend below the note (plotly does not wrap a title)
      fig.layout.title.text = fig.layout.title.text.replace("its class: ", "its class:<br>").replace("; dashed", ";<br>dashed");
      fig.layout.legend = { ...fig.layout.legend, y: -0.05 };
      fig.layout.margin = { ...fig.layout.margin, t: 130 };
    }
    applyCamera(fig.layout, state().camera);
    window.Plotly.react(pathsDiv, fig.data, fig.layout, plotConfig(PLOT_CONFIG));
    listenToCamera();
    listenToPointer();
    if (withReadings) drawReadings(runs, step);
    const last = lastStep(runs);
    stepSlider.min = String(firstStep(runs));
    stepSlider.max = String(last);
    stepSlider.value = String(step);
    stepText.textContent = `${step} of ${last}`;
    player.hidden = growing;
    const meta = fig.layout.meta.softmaxlab.runs[0];
    drawnStep = { step, matrix: meta.matrix, kind: meta.kind };
    return { step, figure: fig };
  }

  function redraw() {
    if (shown.length) draw(shown, titles);
  }

  function drawReadings(runs, step) {
    dropCursor(); // the figure drawn anew carries its cursor at the step
    if (serverReadings) {
      if (!given) return;
      const fig = { data: given.data, layout: { ...given.layout } };
      // the cursor of readings(step=): as the builder draws it, one dotted line per panel
      fig.layout.shapes = setNow({ shapes: copy(data.paths.readings[String(MAX_K)].layout.shapes) }, step).shapes;
      window.Plotly.react(readingsDiv, fig.data, fig.layout, plotConfig(PLOT_CONFIG));
      return;
    }
    const k = skeletonK(runs);
    const read = readings(data.paths.readings[k], runs, { titles, step, palette: data.paths.palette });
    read.layout.template = data.template;
    window.Plotly.react(readingsDiv, read.data, read.layout, plotConfig(PLOT_CONFIG));
  }

  /** The server's readings figure (drawn as it is, with the view's cursor), or null to clear it. */
  function setReadings(fig) {
    given = fig;
    if (!fig) {
      window.Plotly.purge(readingsDiv);
      return;
    }
    if (shown.length) drawReadings(shown, drawnStep ? Number(stepSlider.value) : lastStep(shown));
  }

  // ---- step and play: only the diamonds and the readings' cursor move --------------------------------
  function moveTo(step) {
    if (!shown.length || !drawnStep) return;
    const t0 = performance.now();
    const m32 = drawnStep.matrix.map((row) => row.map(Math.fround));
    const k = shown[0].shape[2];
    const update = { x: [], y: [], z: [], meta: [] };
    const indices = [];
    shown.forEach((run, i) => {
      const record = recordOfStep(run.steps, Math.max(run.steps[0], Math.min(step, run.steps[run.steps.length - 1])));
      for (let c = 0; c < k; c++) {
        const index = pathsDiv.data.findIndex((t) => t.uid === `step-${i}-${c}`);
        if (index < 0) continue; // a class with no sample drawn
        const members = pathsDiv.data[index].customdata;
        const at = atRecord(run, record, Array.from(members), m32, k, drawnStep.kind);
        update.x.push(at.x);
        update.y.push(at.y);
        update.z.push(at.z);
        update.meta.push(`step ${run.steps[record]}`);
        indices.push(index);
      }
    });
    window.Plotly.restyle(pathsDiv, update, indices);
    moveCursor(step);
    stepText.textContent = `${step} of ${lastStep(shown)}`;
    const ms = performance.now() - t0;
    root.dispatchEvent(new CustomEvent("softmaxlab:step", { detail: { step, ms } }));
  }

  // ---- the readings' "now" cursor while the step moves: plain lines over the figure --------------------
  // A relayout of the cursor's shapes makes plotly lay the whole 2D figure out again (58 ms a frame,
  // docs/benchmarks.md). While the step moves, the shapes are hidden and one line per panel moves instead,
  // placed from the panel's x range (layout.xaxisN.range) and its plot area (plotly's drag rectangle of the
  // subplot); once the step rests (play ends or pauses, the slider is left SETTLE_MS) the shapes take the
  // step again, as readings(step=) draws them.
  const SETTLE_MS = 200;
  const cursor = { lines: [], places: null, step: null, settle: 0 };

  function moveCursor(step) {
    const shapes = readingsDiv.layout && readingsDiv.layout.shapes;
    if (!shapes || !shapes.length) return;
    if (!cursor.places) {
      const box = readingsDiv.getBoundingClientRect();
      cursor.places = shapes.map((shape) => {
        const area = readingsDiv.querySelector(`.nsewdrag[data-subplot="${shape.xref}${String(shape.yref).replace(" domain", "")}"]`);
        const axis = readingsDiv.layout[`xaxis${String(shape.xref).slice(1)}`];
        if (!area || !axis || !axis.range) return null;
        const r = area.getBoundingClientRect();
        return { left: r.left - box.left, top: r.top - box.top, width: r.width, height: r.height, range: axis.range.map(Number) };
      });
      readingsDiv.style.position = "relative";
      cursor.lines = cursor.places.map((place, j) => {
        const line = shapes[j].line || {};
        const div = element("div", { class: "now-cursor", "aria-hidden": "true" });
        Object.assign(div.style, { position: "absolute", width: "0", pointerEvents: "none", borderLeft: `${line.width || 1}px ${line.dash === "solid" ? "solid" : "dotted"} ${line.color || "#444"}` });
        if (place) Object.assign(div.style, { left: `${place.left}px`, top: `${place.top}px`, height: `${place.height}px` });
        readingsDiv.append(div);
        return div;
      });
      window.Plotly.relayout(readingsDiv, Object.fromEntries(shapes.map((_, j) => [`shapes[${j}].visible`, false])));
    }
    cursor.step = step;
    cursor.places.forEach((place, j) => {
      if (!place) return;
      const [a, b] = place.range;
      const x = ((step - a) / (b - a || 1)) * place.width;
      cursor.lines[j].hidden = !(x >= 0 && x <= place.width);
      cursor.lines[j].style.transform = `translateX(${x}px)`;
    });
    clearTimeout(cursor.settle);
    cursor.settle = playing ? 0 : setTimeout(restCursor, SETTLE_MS);
  }

  // the shapes at the cursor's step again (and the lines gone)
  function restCursor() {
    clearTimeout(cursor.settle);
    cursor.settle = 0;
    if (!cursor.places) return;
    const step = cursor.step;
    dropCursor();
    const shapes = readingsDiv.layout && readingsDiv.layout.shapes;
    if (shapes) {
      window.Plotly.relayout(readingsDiv, Object.fromEntries(shapes.flatMap((_, j) => [[`shapes[${j}].x0`, step], [`shapes[${j}].x1`, step],
        [`shapes[${j}].visible`, null]])));
    }
  }

  function dropCursor() {
    clearTimeout(cursor.settle);
    cursor.lines.forEach((line) => line.remove());
    cursor.lines = [];
    cursor.places = null;
  }

  stepSlider.addEventListener("input", () => {
    const last = Number(stepSlider.max);
    const step = Number(stepSlider.value);
    moveTo(step);
    onState({ step: step >= last ? -1 : step });
  });

  function stop() {
    if (playing) cancelAnimationFrame(playing.frame);
    playing = null;
    restCursor();
    play.textContent = "play";
  }

  play.addEventListener("click", () => {
    if (playing) {
      stop();
      redraw(); // the title says the step again
      return;
    }
    if (!shown.length) return;
    const last = lastStep(shown);
    const first = firstStep(shown);
    let step = Number(stepSlider.value) >= last ? first : Number(stepSlider.value);
    const stride = Math.max(1, Math.round((last - first) / 150)); // about 5 s from start to end
    playing = { frame: 0, at: 0 };
    play.textContent = "pause";
    const tick = (now) => {
      if (!playing) return;
      if (now - playing.at >= FRAME_MS) {
        playing.at = now;
        step = Math.min(last, step + stride);
        stepSlider.value = String(step);
        moveTo(step);
        onState({ step: step >= last ? -1 : step });
        if (step >= last) {
          stop();
          return;
        }
      }
      playing.frame = requestAnimationFrame(tick);
    };
    playing.frame = requestAnimationFrame(tick);
  });

  // ---- the camera: one for every scene, kept in the link, through steps, play and redraws --------------
  function listenToCamera() {
    if (pathsDiv.dataset.listening) return;
    pathsDiv.dataset.listening = "1";
    pathsDiv.on("plotly_relayout", (change) => {
      const key = Object.keys(change).find((k) => /^scene\d*\.camera$/.test(k));
      if (!key || !change[key].eye) return;
      const camera = cameraText(change[key].eye);
      if (camera === state().camera) return;
      onState({ camera });
      const others = Object.keys(pathsDiv.layout).filter((k) => /^scene\d*$/.test(k) && k !== key.split(".")[0]);
      if (others.length) window.Plotly.relayout(pathsDiv, Object.fromEntries(others.map((k) => [`${k}.camera`, change[key]])));
    });
  }

  // ---- linked views: the sample under the pointer, its path and its input point picked out -------------
  function sampleOf(point) {
    const trace = pathsDiv.data[point.curveNumber];
    if (!trace || !trace.uid) return null;
    const [kind, run, c] = trace.uid.split("-");
    if (kind === "lines") {
      // the m-th NaN-separated path of the class's trace is its m-th member (end-R-C's customdata)
      const end = pathsDiv.data.find((t) => t.uid === `end-${run}-${c}`);
      if (!end) return null;
      const r = (trace.x.length + 1) / end.customdata.length; // points of a path and its gap
      return end.customdata[Math.floor(point.pointNumber / r)] ?? null;
    }
    if (["start", "end", "step", "inputs"].includes(kind)) return trace.customdata[point.pointNumber] ?? null;
    if (kind === "highlight") return highlighted; // the picked-out path itself: it stays
    return null; // a guide
  }

  function highlight(sample) {
    if (sample === highlighted || !shown.length) return;
    highlighted = sample;
    const base = pathsDiv.data.filter((t) => !String(t.uid).startsWith("highlight-"));
    const more = sample === null ? [] : highlightTraces(data.paths["logit-paths"][skeletonK(shown)], base, sample);
    // one react with the other traces as they are: plotly redraws the scenes once, the camera kept (uirevision)
    window.Plotly.react(pathsDiv, [...base, ...more], pathsDiv.layout, plotConfig(PLOT_CONFIG));
    root.dispatchEvent(new CustomEvent("softmaxlab:highlight", { detail: { sample } }));
  }

  // plotly tells a 3D hover from inside its scene's render, which a redraw there would pull away under it:
  // the change waits for the next frame, and a leave and a new hover in one frame are one redraw
  let pointed = { frame: 0, sample: null };
  function point(sample) {
    pointed.sample = sample;
    if (!pointed.frame) {
      pointed.frame = requestAnimationFrame(() => {
        pointed.frame = 0;
        highlight(pointed.sample);
      });
    }
  }

  function listenToPointer() {
    if (pathsDiv.dataset.pointer) return;
    pathsDiv.dataset.pointer = "1";
    pathsDiv.on("plotly_hover", (event) => {
      const sample = event && event.points && event.points.length ? sampleOf(event.points[0]) : null;
      if (sample !== null) point(sample);
    });
    pathsDiv.on("plotly_unhover", () => point(null));
  }

  /** Give back the figures' WebGL contexts (the page shows no run any more). */
  function clear() {
    stop();
    shown = [];
    given = null;
    drawnStep = null;
    highlighted = null;
    dropCursor();
    window.Plotly.purge(pathsDiv);
    window.Plotly.purge(readingsDiv);
    delete pathsDiv.dataset.listening;
    delete pathsDiv.dataset.pointer;
  }

  return {
    pathsDiv, readingsDiv, player, views,
    draw, redraw, moveTo, stop, setReadings, clear, highlight,
    get playing() { return Boolean(playing); },
    get highlighted() { return highlighted; },
    get shown() { return shown; },
  };
}
