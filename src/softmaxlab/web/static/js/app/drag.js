// Drag a dot of a figure with the pointer (mouse, pen or touch) to change the state it shows: the page
// says which traces are dots and what moving one to a height sets (app/pages/<key>.js `drag`).
// Plotly still draws everything; the pixel <-> data mapping comes from the axis ranges of the figure's
// layout and the plot area plotly draws for each subplot (its drag rectangle), no plotly internals.

const REACH = 16; // px from a dot's centre that still grabs it (a fingertip's half-width)

function plotArea(div, subplot) {
  const rect = div.querySelector(`.nsewdrag[data-subplot="${subplot}"]`);
  return rect ? rect.getBoundingClientRect() : null;
}

// a value on an axis as the fraction of its range, and back (a log axis' range is in decades)
function toFraction(axis, v) {
  const [a, b] = axis.range;
  return ((axis.type === "log" ? Math.log10(v) : v) - a) / (b - a);
}

function fromFraction(axis, f) {
  const [a, b] = axis.range;
  const u = a + f * (b - a);
  return axis.type === "log" ? 10 ** u : u;
}

// every draggable dot drawn in the div: its trace, class, axes, the box it is drawn in and its centre in px
function dots(div, pattern) {
  const out = [];
  for (const trace of div.data ?? []) {
    const match = pattern.exec(trace.uid ?? "");
    if (!match || !trace.x || !trace.x.length) continue;
    const xname = trace.xaxis ?? "x";
    const yname = trace.yaxis ?? "y";
    const xaxis = div.layout[xname.replace("x", "xaxis")];
    const yaxis = div.layout[yname.replace("y", "yaxis")];
    const box = plotArea(div, xname + yname);
    if (!box || !xaxis?.range || !yaxis?.range) continue;
    const x = trace.x[0];
    const y = trace.y[0];
    const px = box.left + toFraction(xaxis, x) * box.width;
    const py = box.bottom - toFraction(yaxis, y) * box.height;
    out.push({ uid: trace.uid, index: Number(match[1]), x, y, yaxis, box, px, py });
  }
  return out;
}

/**
 * Make the dots of `div` draggable. `drag.dots` is a RegExp of the draggable traces' uids (its group 1 the
 * class); `drag.value(values, dot, y)` the values that put `dot` at height `y` (data units). `onMove(next)`
 * on every move, `onEnd(next)` when the pointer lets go. A press away from a dot is plotly's, as before.
 */
export function dragDots(div, drag, { values, onMove, onEnd }) {
  let held = null; // {dot, pointer}: the dot being dragged

  function grab(clientX, clientY) {
    let best = null;
    for (const dot of dots(div, drag.dots)) {
      const d = Math.hypot(dot.px - clientX, dot.py - clientY);
      if (d <= REACH && (!best || d < best.d)) best = { dot, d };
    }
    return best && best.dot;
  }

  function valuesAt(clientY) {
    const { dot } = held;
    const f = Math.min(1, Math.max(0, (dot.box.bottom - clientY) / dot.box.height));
    return drag.value(values(), dot, fromFraction(dot.yaxis, f));
  }

  div.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || held) return;
    const dot = grab(event.clientX, event.clientY);
    if (!dot) return;
    held = { dot, pointer: event.pointerId };
    // the press is the drag's, not plotly's zoom box (no mousedown follows a cancelled pointerdown)
    event.preventDefault();
    event.stopPropagation();
    div.setPointerCapture(event.pointerId);
    div.classList.add("dragging");
  }, { capture: true });

  div.addEventListener("pointermove", (event) => {
    if (held && event.pointerId === held.pointer) {
      event.stopPropagation();
      onMove(valuesAt(event.clientY));
    } else if (!held && event.pointerType === "mouse") {
      div.classList.toggle("over-dot", Boolean(grab(event.clientX, event.clientY)));
    }
  }, { capture: true });

  const release = (event) => {
    if (!held || event.pointerId !== held.pointer) return;
    const next = event.type === "pointerup" ? valuesAt(event.clientY) : {};
    held = null;
    div.classList.remove("dragging");
    onEnd(next);
  };
  div.addEventListener("pointerup", release, { capture: true });
  div.addEventListener("pointercancel", release, { capture: true });

  // a finger on a dot drags it rather than scrolling the page (a finger elsewhere still scrolls)
  div.addEventListener("touchstart", (event) => {
    const t = event.touches[0];
    if (t && grab(t.clientX, t.clientY)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, { capture: true, passive: false });
}
