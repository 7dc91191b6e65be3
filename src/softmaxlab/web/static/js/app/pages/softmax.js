// The Softmax page: mirrors softmaxlab.web.pages.softmax_plan, plus its buttons and which controls show.
import { format } from "../../format.js";
import { logsumexp } from "../../kernel/index.js";

export const LOGIT_RANGE = 8;

export function plan(values) {
  const k = values.k;
  const logits = Array.from({ length: k }, (_, i) => values[`z${i}`]);
  // the swept class follows K down rather than pointing at a class that no longer exists
  const out = [["softmax-2d", { logits, temperature: values.t, sweep: Math.min(values.sweep, k - 1), axes: values.fit ? "fit" : "fixed" }]];
  if (k === 2) out.push(["sigmoid", { temperature: values.t, marker: logits }]);
  return { plan: out, errors: [] };
}

export function visible(values, name) {
  if (/^z\d$/.test(name)) return Number(name.slice(1)) < values.k;
  return true;
}

export const actions = [
  {
    label: "add c to every logit",
    apply(values) {
      const c = values.c;
      const shifted = Array.from({ length: values.k }, (_, i) => values[`z${i}`] + c);
      if (shifted.some((z) => Math.abs(z) > LOGIT_RANGE))
        return { error: `adding ${format(c, "g")} would push a logit past ±${LOGIT_RANGE}; choose a smaller or negative c` };
      const next = { ...values };
      // keep the values tidy (0.1 steps plus 0.5 shifts), as the Python page did
      shifted.forEach((z, i) => (next[`z${i}`] = Math.round(z * 1e10) / 1e10));
      return { values: next };
    },
  },
  { label: "2 classes = sigmoid", apply: (values) => ({ values: { ...values, k: 2 } }) },
];

// a dragged logit lands on 0.01 steps inside the page's range (short links; finer than the slider's 0.1)
const onGrid = (z) => Math.round(Math.min(LOGIT_RANGE, Math.max(-LOGIT_RANGE, z)) * 100) / 100;

/** Drag a dot of the figure up or down to set its logit (app/drag.js): the dot follows the pointer's height. */
export const drag = {
  figure: "softmax-2d",
  dots: /^(?:exp|softmax)-(\d+)$/,
  value(values, dot, y) {
    const i = dot.index;
    const t = values.t;
    if (dot.uid.startsWith("exp-")) {
      // top: the height exp(z_i/T) (up to the drawn shift, which cancels): z_i = z_i' + T ln(y / y')
      return { [`z${i}`]: onGrid(dot.x + t * Math.log(y / dot.y)) };
    }
    // below: p_i = y, the other logits kept, so z_i/T = logit(p_i) + logsumexp of the others' z_j/T
    const p = Math.min(1 - 1e-12, Math.max(1e-12, y));
    const others = Array.from({ length: values.k }, (_, j) => values[`z${j}`] / t).filter((_, j) => j !== i);
    return { [`z${i}`]: onGrid(t * (Math.log(p) - Math.log1p(-p) + logsumexp(others))) };
  },
};
