// Redraw a 2D figure while a control moves, in a fraction of a `Plotly.react`: when the new figure differs
// from the one plotly drew only in where its marks stand (points, lines, error bars, bars, a line shape)
// and in its texts (title, notes, legend), move plotly's own SVG elements there. The page reacts once the
// control rests, so what stays on screen is plotly's drawing of the figure. Measured (docs/benchmarks.md
// "site"): any `Plotly.react` with a change of data costs more than a frame here, even for one trace.
//
// Pixels come as plotly computes them (a linear map of the axis range, in decades on a log axis, onto the
// plot area of plotly's drag rectangle); the SVG is plotly's, found by the classes and the `__data__`
// binding of d3 it draws with. An axis may change only where its given ticks stay in place (their texts
// rewritten: the Softmax page's log axis of e^{z/T} as T moves, the Sampling page's filter rows). Anything
// else (an axis range, a colour, a pattern, a point more or less) returns false before a single element is
// touched, and the caller reacts instead.
import { layoutChanges, same } from "./update.js";

const FREE = new Set(["x", "y", "name", "customdata", "hovertemplate", "error_y"]); // may change live
const TEXTS = /^(title\.text|annotations\[\d+\]\.text)$/;
const SHAPE_ENDS = /^shapes\[(\d+)\]\.(x0|x1|y0|y1)$/;
const AXIS_TICKS = /^([xy]axis\d*)\.(range|tickvals|ticktext)$/; // an axis of fixed ticks may change them
const NUMBER = "(-?[\\d.]+(?:e[-+]?\\d+)?)";
const BAR_PATH = new RegExp(`^M${NUMBER},${NUMBER}V${NUMBER}H${NUMBER}V${NUMBER}Z$`);

const LOG_CLIP = 10; // plotly's numerical constant of the same name
const round = (v) => Math.round(v * 100) / 100; // plotly writes pixels to 2 decimals

/** An axis as a map data -> px along its plot area (`length` px, `flip` for y), or null if not a fixed one. */
function scale(axis, length, flip) {
  if (!axis || !Array.isArray(axis.range) || axis.range.length !== 2) return null;
  if (axis.type && axis.type !== "linear" && axis.type !== "log") return null;
  if (axis.autorange !== undefined && axis.autorange !== false) return null;
  const log = axis.type === "log";
  const [a, b] = axis.range.map(Number);
  // clip: a value a log axis cannot show (<= 0) stands LOG_CLIP axis lengths past its low end, as plotly
  // puts an error bar's end there (off the plot area, which hides it)
  return (v, clip = false) => {
    const u = log ? (v > 0 ? Math.log10(v) : clip ? 0.5 * (a + b - 2 * LOG_CLIP * Math.abs(a - b)) : NaN) : v;
    const f = (u - a) / (b - a);
    return flip ? (1 - f) * length : f * length;
  };
}

// a finite value that can stand on the axis (a log axis has no 0 or negative values)
const drawable = (v, axis) => Number.isFinite(v) && (axis?.type !== "log" || v > 0);

/** The plot area of a subplot ("xy", "x2y2") in the SVG's pixels: {x, y, width, height}. */
function plotArea(div, subplot) {
  const rect = div.querySelector(`.nsewdrag[data-subplot="${subplot}"]`);
  if (!rect) return null;
  const [x, y, width, height] = ["x", "y", "width", "height"].map((k) => Number(rect.getAttribute(k)));
  return [x, y, width, height].every(Number.isFinite) && width > 0 && height > 0 ? { x, y, width, height } : null;
}

const uidOf = (node) => node.__data__?.[0]?.trace?.uid;

/** The texts of a plotly text string, between its tags (<br>, <sup>, <span ...>), as plotly shows them. */
function pieces(text) {
  const unescape = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  return String(text).split(/<[^>]*>/).map(unescape).filter((s) => s !== "");
}

// the text nodes plotly wrote for a string, without its zero-width spaces (around <sup>)
function textNodes(element) {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.data.replace(/\u200b/g, "") !== "") out.push(n);
  return out;
}

/** An operation that turns the text shown in `element` into `after`, or null if the two differ in form. */
function retext(element, after) {
  const before = element?.getAttribute("data-unformatted"); // what plotly (or a live draw) wrote there
  if (before === null || before === undefined) return null;
  const nodes = textNodes(element);
  const old = pieces(before);
  const next = pieces(after);
  if (nodes.length !== old.length || next.length !== old.length) return null;
  if (!nodes.every((n, i) => n.data.replace(/\u200b/g, "") === old[i])) return null;
  return () => {
    nodes.forEach((n, i) => (n.data = n.data.replace(old[i], () => next[i])));
    element.setAttribute("data-unformatted", after);
  };
}

let measurer = null;
function textWidth(text, style) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = `${style.fontSize} ${style.fontFamily}`;
  return measurer.measureText(text).width;
}

/** Operations that write the new legend names, moving the entries after a name that grew or shrank. */
function relegend(div, names) {
  const items = [...div.querySelectorAll(".legend .traces")];
  const ops = [];
  const shifts = new Map(); // a row's y -> px added so far along it
  for (const item of items) {
    const transform = /^translate\(([-\d.e]+),\s*([-\d.e]+)\)$/.exec(item.getAttribute("transform") ?? "");
    if (!transform) return null;
    const [x, y] = [Number(transform[1]), transform[2]];
    const shift = shifts.get(y) ?? 0;
    if (shift) ops.push(() => item.setAttribute("transform", `translate(${x + shift},${y})`));
    const name = names.get(uidOf(item));
    if (name === undefined) continue;
    const text = item.querySelector(".legendtext");
    if (!text || /[<&]/.test(name) || /[<&]/.test(text.textContent)) return null;
    shifts.set(y, shift + textWidth(name, text.style) - textWidth(text.textContent, text.style));
    ops.push(() => {
      text.textContent = name;
      text.setAttribute("data-unformatted", name);
    });
  }
  // the legend's background and clip grow with its longest row, or the last entry is cut off (shrinking,
  // they leave a margin of the background's colour until the control rests)
  const grow = Math.max(0, ...shifts.values());
  if (grow > 0) {
    const legend = div.querySelector(".legend");
    const clip = /^url\(#([^)]+)\)$/.exec(legend?.querySelector(".scrollbox")?.getAttribute("clip-path") ?? "");
    const boxes = [legend?.querySelector("rect.bg"), clip && div.querySelector(`clipPath[id="${clip[1]}"] rect`)];
    if (!boxes.every((box) => box && Number.isFinite(Number(box.getAttribute("width"))))) return null;
    for (const box of boxes) ops.push(() => box.setAttribute("width", String(Number(box.getAttribute("width")) + grow)));
  }
  return ops;
}

/**
 * Operations that rewrite the tick labels of axis `name` ("yaxis2"), whose ticks are given (`tickmode` "array")
 * and stand where they stood: a range that moves with the tick values (a log axis of e^{z/T} as T moves) or a
 * tick's text that changes. Returns {ops, moved} (moved: its range changed, so every mark on it moves), or null.
 */
function retick(div, name, before, after) {
  const id = name.replace("axis", ""); // "y2"
  const ticks = (axis) => axis?.tickmode === "array" && (Array.isArray(axis.tickvals) || ArrayBuffer.isView(axis.tickvals))
    && Array.isArray(axis.ticktext) && axis.tickvals.length === axis.ticktext.length;
  if (!ticks(before) || !ticks(after) || before.tickvals.length !== after.tickvals.length) return null;
  const y = id.startsWith("y");
  const subplot = [...div.querySelectorAll(".nsewdrag[data-subplot]")].map((r) => /^(x\d*)(y\d*)$/.exec(r.dataset.subplot))
    .find((m) => m && m[y ? 2 : 1] === id);
  const area = subplot && plotArea(div, subplot[0]);
  if (!area) return null;
  const length = y ? area.height : area.width;
  const [was, now] = [scale(before, length, y), scale(after, length, y)];
  if (!was || !now) return null;
  for (let i = 0; i < after.tickvals.length; i++) {
    const [a, b] = [Number(before.tickvals[i]), Number(after.tickvals[i])];
    if (!drawable(a, before) || !drawable(b, after) || Math.abs(was(a) - now(b)) > 0.01) return null; // a tick moves
  }
  const labels = [...div.querySelectorAll(`g.${id}tick text`)];
  if (labels.length !== after.ticktext.length) return null;
  const ops = [];
  const log = (v) => (before.type === "log" ? Math.log10(v) : v);
  for (const label of labels) {
    // the tick plotly drew the label for (its value in the axis' units; the text may be a live draw's since)
    const at = label.__data__?.x;
    const i = before.tickvals.findIndex((v) => Math.abs(log(Number(v)) - at) <= 1e-9 * Math.max(1, Math.abs(at)));
    const op = i >= 0 && retext(label, String(after.ticktext[i]));
    if (!op) return null;
    ops.push(op);
  }
  return { ops, moved: !same(before.range, after.range) };
}

/** Operations that move one trace's marks to `trace`'s values, or null if they cannot be moved. */
function remark(group, trace, X, Y, xaxis, yaxis, oldTrace) {
  const x = trace.x ?? [];
  const y = trace.y ?? [];
  if (x.length !== y.length) return null;
  const ops = [];
  if (trace.type === "bar") {
    if (trace.orientation === "h" || trace.base !== undefined || trace.text !== undefined || !same(x, oldTrace.x)) return null;
    const paths = [...group.querySelectorAll(".points .point path")];
    if (paths.length !== y.length || yaxis?.type === "log") return null;
    for (let i = 0; i < y.length; i++) {
      const m = BAR_PATH.exec(paths[i].getAttribute("d") ?? "");
      if (!m || !Number.isFinite(y[i])) return null;
      const [x0, x1] = [m[1], m[4]];
      const y0 = round(Y(0));
      const y1 = round(Y(y[i]));
      ops.push(() => paths[i].setAttribute("d", `M${x0},${y0}V${y1}H${x1}V${y0}Z`));
    }
    return ops;
  }
  if (trace.type !== "scatter" || trace.fill || trace.text !== undefined) return null;
  const mode = trace.mode ?? "lines+markers";
  if (/text/.test(mode)) return null;
  for (let i = 0; i < x.length; i++) if (!drawable(x[i], xaxis) || !drawable(y[i], yaxis)) return null; // no gaps
  const px = Array.from(x, (v) => round(X(v)));
  const py = Array.from(y, (v) => round(Y(v)));
  if (/markers/.test(mode)) {
    const points = [...group.querySelectorAll(".points path.point")];
    if (points.length !== x.length) return null;
    points.forEach((p, i) => ops.push(() => p.setAttribute("transform", `translate(${px[i]},${py[i]})`)));
  }
  if (/lines/.test(mode)) {
    const lines = group.querySelectorAll(".lines .js-line");
    if (lines.length !== 1 || x.length < 2) return null;
    // every point (plotly drops the ones a straight line would pass within a pixel of: the same picture)
    const d = "M" + px.map((v, i) => `${v},${py[i]}`).join("L");
    ops.push(() => lines[0].setAttribute("d", d));
  }
  const bars = [...group.querySelectorAll(".errorbars .errorbar path.yerror")];
  const error = trace.error_y;
  if (error && error.visible !== false) {
    const plain = error.type === "data" && error.symmetric === false && Number.isFinite(error.width);
    if (!plain || bars.length !== x.length || group.querySelector(".errorbars path.xerror")) return null;
    const w = error.width;
    for (let i = 0; i < x.length; i++) {
      const top = y[i] + Number(error.array?.[i] ?? 0);
      const bottom = y[i] - Number(error.arrayminus?.[i] ?? 0);
      if (!drawable(top, yaxis) || !Number.isFinite(bottom)) return null;
      // a bottom a log axis cannot show: plotly clips the bar there and leaves out its shoe
      const shoe = drawable(bottom, yaxis) ? `m-${w},0h${2 * w}` : "";
      const d = `M${round(px[i] - w)},${round(Y(top))}h${2 * w}m-${w},0V${round(Y(bottom, true))}${shoe}`;
      ops.push(() => bars[i].setAttribute("d", d));
    }
  } else if (bars.length) {
    return null;
  }
  return ops;
}

/**
 * Draw `fig` into `div`, where plotly drew `last`, by moving plotly's SVG; returns false (and touches
 * nothing) when the change is more than positions and texts. The div's `data` and `layout` become `fig`'s.
 */
export function liveDraw(div, last, fig) {
  if (!last || !div.querySelector(".main-svg") || div.querySelector(".gl-container canvas")) return false;
  if (last.data.length !== fig.data.length) return false;
  const changes = layoutChanges(last.layout, fig.layout);
  if (!changes) return false;
  const ops = [];
  const shapes = new Set();
  const axes = new Set();
  for (const path of Object.keys(changes)) {
    const end = SHAPE_ENDS.exec(path);
    if (end) shapes.add(Number(end[1]));
    else if (AXIS_TICKS.test(path)) axes.add(AXIS_TICKS.exec(path)[1]);
    else if (!TEXTS.test(path)) return false; // another change of an axis, a size, a colour...
  }
  const moved = new Set(); // the axes whose range moved: every mark on them is placed anew
  for (const name of axes) {
    const ticks = retick(div, name, last.layout[name], fig.layout[name]);
    if (!ticks) return false;
    ops.push(...ticks.ops);
    if (ticks.moved) moved.add(name.replace("axis", ""));
  }
  const onMoved = (...refs) => refs.some((ref) => moved.has(ref));
  (fig.layout.shapes ?? []).forEach((shape, i) => onMoved(shape.xref, shape.yref) && shapes.add(i));
  if ((fig.layout.annotations ?? []).some((note) => onMoved(note.xref, note.yref))) return false;
  for (const path of Object.keys(changes).filter((p) => TEXTS.test(p))) {
    const [, index] = /^annotations\[(\d+)\]/.exec(path) ?? [];
    const element = index === undefined ? div.querySelector(".gtitle")
      : div.querySelector(`.annotation[data-index="${index}"] text.annotation-text`);
    const op = retext(element, changes[path]);
    if (!op) return false;
    ops.push(op);
  }
  const scales = new Map(); // "x2y2" -> {X, Y, xaxis, yaxis, area}
  const subplot = (xname = "x", yname = "y") => {
    const key = xname + yname;
    if (!scales.has(key)) {
      const area = plotArea(div, key);
      const xaxis = fig.layout[xname.replace("x", "xaxis")];
      const yaxis = fig.layout[yname.replace("y", "yaxis")];
      const X = area && scale(xaxis, area.width, false);
      const Y = area && scale(yaxis, area.height, true);
      scales.set(key, X && Y ? { X, Y, xaxis, yaxis, area } : null);
    }
    return scales.get(key);
  };
  for (const i of shapes) {
    const shape = fig.layout.shapes[i];
    const element = div.querySelector(`.shapelayer path[data-index="${i}"]`);
    const s = shape.type === "line" && /^x\d*$/.test(shape.xref) && /^y\d*$/.test(shape.yref) && subplot(shape.xref, shape.yref);
    if (!s || !element) return false;
    const ends = [shape.x0, shape.y0, shape.x1, shape.y1];
    if (!ends.every((v, k) => drawable(v, k % 2 ? s.yaxis : s.xaxis))) return false;
    const [x0, y0, x1, y1] = [s.area.x + s.X(shape.x0), s.area.y + s.Y(shape.y0), s.area.x + s.X(shape.x1), s.area.y + s.Y(shape.y1)];
    ops.push(() => element.setAttribute("d", `M${x0},${y0}L${x1},${y1}`));
  }
  const groups = new Map();
  for (const g of div.querySelectorAll(".scatterlayer .trace, .barlayer .trace")) groups.set(uidOf(g), g);
  const names = new Map();
  for (let t = 0; t < fig.data.length; t++) {
    const [before, after] = [last.data[t], fig.data[t]];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of keys) {
      if (FREE.has(k)) continue;
      if (!same(before[k], after[k])) return false;
    }
    const { array: a0, arrayminus: m0, ...rest0 } = before.error_y ?? {};
    const { array: a1, arrayminus: m1, ...rest1 } = after.error_y ?? {};
    if (!same(rest0, rest1)) return false;
    if (before.name !== after.name && after.showlegend !== false) names.set(after.uid, after.name);
    const still = !onMoved(after.xaxis ?? "x", after.yaxis ?? "y");
    if (still && same(before.x, after.x) && same(before.y, after.y) && same(a0, a1) && same(m0, m1)) continue;
    const group = groups.get(after.uid);
    const s = subplot(after.xaxis, after.yaxis);
    if (!group || !s || !after.uid || after.visible === false || after.visible === "legendonly") return false;
    const moves = remark(group, after, s.X, s.Y, s.xaxis, s.yaxis, before);
    if (!moves) return false;
    ops.push(...moves);
  }
  if (names.size) {
    const legend = relegend(div, names);
    if (!legend) return false;
    ops.push(...legend);
  }
  for (const op of ops) op();
  div.data = fig.data;
  div.layout = fig.layout;
  return true;
}
