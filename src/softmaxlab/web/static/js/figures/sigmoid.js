// sigmoid_section (softmaxlab.figures.surfaces): p0 against d = z0 - z1, on the logistic sigmoid.
import { sigmoid, softmax } from "../kernel/index.js";
import { copy, format, linspace, setMain, trace } from "./common.js";

export function variant(options) {
  return options.marker == null ? "plain" : "marker";
}

export function figure(skeleton, { temperature = 1, extent = 8, resolution = 241, marker = null } = {}) {
  const fig = copy(skeleton);
  const t = temperature;
  const d = linspace(-extent, extent, resolution); // (n,) z0 - z1
  const p0 = new Float64Array(d.length);
  const p1 = new Float64Array(d.length);
  const s = new Float64Array(d.length);
  d.forEach((di, n) => {
    const p = softmax([di / 2, -di / 2], { temperature: t });
    p0[n] = p[0];
    p1[n] = p[1];
    s[n] = sigmoid(di / t);
  });
  Object.assign(trace(fig, "p0"), { x: d, y: p0 });
  Object.assign(trace(fig, "p1"), { x: d, y: p1 });
  Object.assign(trace(fig, "sigmoid"), { x: d, y: s });
  if (marker != null) {
    const pm = softmax(marker, { temperature: t });
    const dm = marker[0] - marker[1];
    const m = trace(fig, "marker");
    m.x = [dm, dm];
    m.y = pm;
    m.hovertemplate = `z = (${format(marker[0], "g")}, ${format(marker[1], "g")})<br>z₀ − z₁ = %{x:.3f}<br>%{y:.4f}<extra>marker</extra>`;
  }
  setMain(fig, `2 classes: softmax is the sigmoid (T = ${format(t, "g")})`);
  return fig;
}
