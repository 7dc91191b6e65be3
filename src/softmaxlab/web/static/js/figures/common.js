// What every figure module shares: a deep copy of a skeleton and numpy's linspace.
import { format } from "../format.js";

/** A deep copy of a skeleton (plain JSON data), so drawing never changes the embedded original. */
export function copy(skeleton) {
  return structuredClone(skeleton);
}

/** numpy.linspace(start, stop, num): start + i * step, the last point exactly `stop`. */
export function linspace(start, stop, num) {
  const out = new Float64Array(num);
  const div = num - 1;
  const step = (stop - start) / div;
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** The trace with this uid (a skeleton's traces keep the builder's uids: the contract). */
export function trace(fig, uid) {
  const found = fig.data.find((t) => t.uid === uid);
  if (!found) throw new Error(`the figure has no trace ${uid}`);
  return found;
}

const SUBSCRIPTS = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", "-": "₋" };

/** i as Unicode subscript digits, as style.sub writes them. */
export function sub(i) {
  return String(i).replace(/[0-9-]/g, (c) => SUBSCRIPTS[c]);
}

export { format };

// style.CLASS_COLORS: class i is CLASS_COLORS[i % 10] in every figure (the figure tests hold the two equal)
export const CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
export const MUTED = "#c7c7c7"; // style.MUTED: what a filter removed

export function class_color(i) {
  return CLASS_COLORS[i % CLASS_COLORS.length];
}

// style.TITLE_CHARS, style.HINT_CHARS: the widest title lines that fit a phone
export const TITLE_CHARS = 41;
export const HINT_CHARS = 55;

/** style.wrap: text broken at spaces into lines of at most `width` characters, joined by <br>. */
export function wrap(text, width) {
  const lines = [];
  for (const word of text.split(" ")) {
    if (lines.length && lines[lines.length - 1].length + 1 + word.length <= width) lines[lines.length - 1] += " " + word;
    else lines.push(word);
  }
  return lines.join("<br>");
}

/** Write a new main line into a skeleton's title (wrapped as style.title wraps it), keeping its hint. */
export function setMain(fig, main) {
  const text = fig.layout.title.text;
  const at = text.indexOf("<br><span");
  fig.layout.title.text = wrap(main, TITLE_CHARS) + (at < 0 ? "" : text.slice(at));
}
