// Draw a figure into a plotly div with the least work plotly's public API allows, and the same result as
// `Plotly.react` of the whole figure. Measured (docs/benchmarks.md "site"): any change of a trace's data
// makes plotly redraw the whole figure, whether by `react`, `restyle` or `update`, and `animate` with
// `redraw: false` resolves frames later; but a change of the layout alone (a title, a note, a line, a
// range) redraws only what it touches through `relayout`, and an unchanged figure needs no call at all.
import { screenZoom } from "./camera.js";

/** Deep equality of plain JSON-like data; typed arrays equal the plain arrays of the same numbers. */
export function same(a, b) {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  const aList = Array.isArray(a) || ArrayBuffer.isView(a);
  const bList = Array.isArray(b) || ArrayBuffer.isView(b);
  if (aList || bList) {
    if (!(aList && bList) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => k in b && same(a[k], b[k]));
}

// a layout as {path: leaf} in relayout's own syntax ("annotations[0].text", "xaxis.range"); arrays of
// numbers or strings are leaves, arrays of objects (annotations, shapes) are walked
function leaves(value, path, out) {
  const list = Array.isArray(value) || ArrayBuffer.isView(value);
  if (list && value.length && value.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
    value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  } else if (value && typeof value === "object" && !list) {
    const keys = Object.keys(value);
    if (!keys.length) out[path] = value;
    for (const k of keys) leaves(value[k], path ? `${path}.${k}` : k, out);
  } else {
    out[path] = value;
  }
  return out;
}

/**
 * What `relayout` must change to turn layout `before` into `after`: {path: value}, or null when the two
 * differ in shape (a key or an annotation more or less), which only a full `react` redraws faithfully.
 */
export function layoutChanges(before, after) {
  const { template: t0, ...a } = before;
  const { template: t1, ...b } = after;
  if (t0 !== t1 && !same(t0, t1)) return null;
  const old = leaves(a, "", {});
  const next = leaves(b, "", {});
  const paths = Object.keys(next);
  if (paths.length !== Object.keys(old).length || !paths.every((p) => p in old)) return null;
  const changes = {};
  for (const p of paths) if (!same(old[p], next[p])) changes[p] = next[p];
  return changes;
}

/**
 * Show `fig` in `div`, where `last` is the figure drawn there before (or null). Returns how: "react",
 * "relayout" or "none". `fast: false` always reacts (the reference the browser tests compare with).
 */
export function showFigure(div, fig, last, config, { fast = true } = {}) {
  // `last` must be what was computed, not what plotly holds: plotly writes into the figure it is given
  // (fitted ranges, autorange flags, a colour bar's place), so the caller keeps its own copy
  if (fast && last && same(last.data, fig.data)) {
    const changes = layoutChanges(last.layout, fig.layout);
    if (changes && !Object.keys(changes).length) return "none";
    if (changes) {
      window.Plotly.relayout(div, changes);
      return "relayout";
    }
  }
  window.Plotly.react(div, fig.data, fig.layout, config);
  return "react";
}

/** The pixels per CSS pixel a 3D scene draws: the screen's own, up to plotly's default of 2 (which it draws on
 * every screen: 4x the pixels of a plain screen, which software WebGL fills at a cost; docs/benchmarks.md
 * "3D scenes at the screen's pixel ratio"). */
export function glPixelRatio() {
  const r = Number(window.devicePixelRatio);
  return Number.isFinite(r) ? Math.min(2, Math.max(1, r)) : 1;
}

/**
 * Download the figure in `div` as a PNG twice the size it is shown, its 3D scenes drawn at that scale too (on
 * screen they draw at the screen's ratio, which plotly's own image button would only upscale). `config`: the
 * figure's plotly config.
 */
export function savePng(div, filename, config = {}) {
  const svg = div.querySelector(".main-svg");
  const [width, height] = ["width", "height"].map((k) => Number(svg?.getAttribute(k)) || undefined);
  const figure = { data: div.data, layout: div.layout, config: { ...config, plotGlPixelRatio: 2 } };
  return window.Plotly.downloadImage(figure, { format: "png", filename, scale: 2, width, height });
}

let saveButton = null; // one object: plotly keeps its mode bar while the buttons' names stay the same

/** plotly's config for `base` on this screen: 3D scenes at the screen's pixel ratio, the mode bar's camera
 * button saving with `savePng` (named after the div's `data-figure`), and on a phone no mode bar
 * (always shown on a touch screen, it covers the title; the pages have their own "save PNG"). */
export function plotConfig(base) {
  saveButton ??= {
    name: "savePng", title: "Download the plot as a PNG (2x)", icon: window.Plotly.Icons.camera,
    click: (gd) => savePng(gd, `softmaxlab-${gd.dataset.figure || "figure"}`),
  };
  const config = {
    ...base, plotGlPixelRatio: glPixelRatio(),
    modeBarButtonsToRemove: [...(base.modeBarButtonsToRemove ?? []), "toImage"], modeBarButtonsToAdd: [saveButton],
  };
  return screenZoom() > 1 ? { ...config, displayModeBar: false } : config;
}
