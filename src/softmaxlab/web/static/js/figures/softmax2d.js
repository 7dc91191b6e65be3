// softmax_2d (softmaxlab.figures.softmax2d): dots at exp(z/T), the same dots normalised, one logit swept.
// Mirrors the builder line by line; the skeleton (one per K) carries everything else of its design.
import { effective_choices, entropy, softmax } from "../kernel/index.js";
import { copy, format, linspace, setMain, sub, trace } from "./common.js";

const SWEEP_POINTS = 241; // samples of the swept logit, as in the builder
const MAX_EXPONENT = 700; // exp overflows float64 just above 709
const FIXED_LOGITS = 8; // the Softmax page's logits stay in [-8, 8]: the fixed axes hold every one of them
const FIXED_EDGE = FIXED_LOGITS + 1; // the fixed x range, a margin past the last logit
// the fixed log axis' ticks: the heights e^{z/T} of these logits, level with them whatever T is
const TICK_LOGITS = [-8, -4, 0, 4, 8];

// axes "fixed" hold while every logit is in [-8, 8]; past that they fit, as the builder does
function isFixed(options) {
  return (options.axes ?? "fixed") === "fixed" && Math.max(...options.logits.map(Math.abs)) <= FIXED_LOGITS;
}

export function variant(options) {
  return `k${options.logits.length}${isFixed(options) ? "" : "-fit"}`;
}

// np.union1d(grid, [value]): the sorted grid with value added unless already there
function withValue(grid, value) {
  const out = Array.from(grid);
  if (!out.includes(value)) out.push(value);
  return Float64Array.from(out.sort((a, b) => a - b));
}

// the left panels' x range and the top panel's y range (log10 units on the fixed log axis)
function leftRanges(zmin, zmax, t, shift, heights, fixed) {
  if (fixed) {
    const edge = FIXED_EDGE / t / Math.log(10); // e^{+-9/T} in decades, moved with the drawn shift
    return [[-FIXED_EDGE, FIXED_EDGE], [-edge - shift / t / Math.log(10), edge - shift / t / Math.log(10)]];
  }
  const pad = 0.06 * (zmax - zmin + 1);
  return [[zmin - 1.5 - pad, zmax + pad], [0, 1.08 * Math.max(...heights)]];
}

export function figure(skeleton, { logits, temperature = 1, sweep = 0, sweep_range = [-8, 8], axes = "fixed" } = {}) {
  const fig = copy(skeleton);
  const z = logits; // (K,)
  const k = z.length;
  const t = temperature;
  const s = sweep;
  const [lo, hi] = sweep_range;
  const zmax = Math.max(...z);
  const zmin = Math.min(...z);

  const p = softmax(z, { temperature: t }); // (K,)
  // where the largest height would overflow or underflow float64, shift by max z (softmax ignores it)
  const shift = Math.abs(zmax / t) > MAX_EXPONENT ? zmax : 0;
  const heights = z.map((zi) => Math.exp((zi - shift) / t)); // (K,)
  const total = heights.reduce((a, b) => a + b, 0);
  const fixed = isFixed({ logits, axes });
  const [xLeft, yTop] = leftRanges(zmin, zmax, t, shift, heights, fixed);
  // on the fixed log axis a stem reaches down to the axis' bottom edge (a log axis has no 0)
  const floor = fixed ? 10 ** yTop[0] : 0;

  const swept = withValue(linspace(lo, hi, SWEEP_POINTS), z[s]); // (n,) includes the current value
  const sweepP = Array.from({ length: k }, () => new Float64Array(swept.length)); // (K, n)
  const row = Array.from(z);
  swept.forEach((v, n) => {
    row[s] = v; // only column s moves
    const q = softmax(row, { temperature: t });
    for (let i = 0; i < k; i++) sweepP[i][n] = q[i];
  });

  const ch = shift ? `exp((z−${format(shift, ".3g")})/T)` : "exp(z/T)";
  for (let i = 0; i < k; i++) {
    const exp = trace(fig, `exp-${i}`);
    Object.assign(exp, { x: [z[i]], y: [heights[i]] });
    exp.error_y.arrayminus = [heights[i] - floor];
    exp.hovertemplate = `class ${i}<br>z${sub(i)} = %{x:.3f}<br>${ch} = %{y:.4g}<extra></extra>`;
    const dot = trace(fig, `softmax-${i}`);
    Object.assign(dot, { x: [z[i]], y: [p[i]] });
    dot.error_y.arrayminus = [p[i]];
    const curve = trace(fig, `sweep-${i}`);
    Object.assign(curve, {
      name: `class ${i}: z${sub(i)} = ${format(z[i], ".3g")}, p${sub(i)} = ${format(p[i], ".3f")}`,
      x: swept, y: sweepP[i],
      hovertemplate: `z${sub(s)} = %{x:.3f}<br>p${sub(i)} = %{y:.4f}<extra>class ${i}</extra>`,
    });
    curve.line.width = i === s ? 3 : 2;
  }

  // the curves the dots lie on: exp(x/T) up to the largest dot, and the same curve divided by the sum
  const xCurve = linspace(fixed ? xLeft[0] : zmin - 1.5, zmax, 200);
  const yCurve = xCurve.map((x) => Math.exp((x - shift) / t));
  Object.assign(trace(fig, "exp-curve"), { name: ch, x: xCurve, y: yCurve });
  Object.assign(trace(fig, "scaled-curve"), { name: `${ch} / sum`, x: xCurve, y: yCurve.map((y) => y / total) });
  Object.assign(trace(fig, "current"), {
    name: `current z${sub(s)}`, x: new Float64Array(k).fill(z[s]), y: p, customdata: Array.from({ length: k }, (_, i) => i),
    hovertemplate: `current z${sub(s)} = %{x:.3f}<br>p = %{y:.4f}<extra>class %{customdata}</extra>`,
  });

  const layout = fig.layout;
  const hNats = entropy(p);
  const hBits = entropy(p, { base: 2 });
  const eff = effective_choices(p);
  setMain(fig, `Softmax of ${k} logits at T = ${format(t, "g")}`);
  layout.xaxis.range = xLeft;
  layout.yaxis.range = yTop;
  layout.yaxis.title.text = ch;
  if (fixed) {
    const ticks = TICK_LOGITS.map((v) => Math.exp((v - shift) / t)).filter((v) => Number.isFinite(v) && v > 0);
    Object.assign(layout.yaxis, { tickvals: ticks, ticktext: ticks.map((v) => format(v, ".2g")) });
  }
  layout.xaxis2.range = xLeft;
  layout.xaxis3.range = [swept[0], swept[swept.length - 1]];
  layout.xaxis3.title.text = `z${sub(s)} (the swept logit)`;
  Object.assign(layout.shapes[0], { x0: z[s], x1: z[s] });
  layout.annotations[0].text =
    `entropy H = ${format(hNats, ".3f")} nats = ${format(hBits, ".3f")} bits<br>` +
    `effective choices e<sup>H</sup> = ${format(eff, ".2f")} of ${k}`;
  return fig;
}
