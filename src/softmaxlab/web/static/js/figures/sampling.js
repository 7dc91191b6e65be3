// sampling (softmaxlab.figures.sampling): a distribution under temperature and the filters, what each
// filter keeps, what is really sampled and a histogram of seeded draws. One skeleton per set of filters
// given (and with or without draws); everything that depends on the number of tokens is written here.
import { Threefry, effective_choices, entropy, filter_logits, sample, softmax } from "../kernel/index.js";
import { MUTED, class_color, copy, format, setMain, trace } from "./common.js";

const BAR = "#1f77b4"; // one colour for all tokens when there are more than the palette's 10
const FILTERS = ["top_k", "top_p", "min_p"];

export function variant(options) {
  const on = (name) => (options[name] == null ? 0 : 1);
  return `f${FILTERS.map(on).join("")}n${options.samples ? 1 : 0}${options.axes === "fit" ? "-fit" : ""}`;
}

export function figure(skeleton, { logits, temperature = 1, top_k = null, top_p = null, min_p = null, samples = 0, seed = 0 } = {}) {
  const fig = copy(skeleton);
  const z = logits;
  const k = z.length;
  const t = temperature;
  const n = samples;
  const names = Array.from({ length: k }, (_, i) => String(i));
  const filters = { top_k, top_p, min_p };
  const finalLogits = filter_logits(z, { temperature: t, ...filters });
  const kept = Array.from(finalLogits, Number.isFinite);
  const p = softmax(z, { temperature: t });
  const q = softmax(finalLogits); // renormalised over the kept tokens
  const colors = Array.from({ length: k }, (_, i) => (k <= 10 ? class_color(i) : BAR));
  const x = Array.from({ length: k }, (_, i) => i);
  const rows = FILTERS.filter((name) => filters[name] != null).map((name) => [name, filters[name]]);

  const tempered = trace(fig, "tempered");
  Object.assign(tempered, { name: `p = softmax(z/T), T = ${format(t, "g")}`, x, y: p, customdata: kept.map((keep, i) => [keep ? 1 : 0, z[i]]) });
  tempered.marker.color = colors.map((c, i) => (kept[i] ? c : MUTED));
  tempered.marker.pattern.shape = kept.map((keep) => (keep ? "" : "/"));
  const labels = [];
  [...rows, ["all", null]].forEach(([name, value], r) => {
    const keep = name === "all" ? kept : Array.from(filter_logits(z, { temperature: t, [name]: value }), Number.isFinite);
    const rowLabel = name === "all" ? "all together" : `${name.replace("_", "-")} = ${format(value, "g")}`;
    labels.push(rowLabel);
    const row = trace(fig, `keeps-${name.replace("_", "-")}`);
    // the rows stand at y = 0, 1, ...; the axis' ticks name them (a moving value changes a tick's text)
    Object.assign(row, { name: rowLabel, x, y: Array(k).fill(r), customdata: keep.map(Number) });
    row.marker.symbol = keep.map((v) => (v ? "square" : "x-thin-open"));
    row.marker.color = colors.map((c, i) => (keep[i] ? c : "#999999"));
    row.hovertemplate = `token %{x}<br>${rowLabel}: %{customdata} (1 = kept)<extra></extra>`;
  });
  fig.layout.yaxis2.ticktext = labels;
  const final = trace(fig, "final");
  Object.assign(final, { x, y: q });
  final.marker.color = colors;
  if (n) {
    const draws = sample(z, n, { rng: new Threefry(seed), temperature: t, ...filters });
    const counts = new Array(k).fill(0);
    for (const d of draws) counts[d]++;
    Object.assign(trace(fig, "samples"), { name: `${n} draws (seed ${seed})`, x, y: counts.map((c) => c / n), customdata: counts });
  }
  const hP = entropy(p);
  const hQ = entropy(q);
  fig.layout.annotations[0].text =
    `p: entropy ${format(hP, ".3f")} nats (${format(hP / Math.LN2, ".3f")} bits), e<sup>H</sup> = ${format(effective_choices(p), ".2f")} ` +
    `choices<br>q: entropy ${format(hQ, ".3f")} nats, e<sup>H</sup> = ${format(effective_choices(q), ".2f")} of ${kept.filter(Boolean).length} kept`;
  setMain(fig, `Sampling at T = ${format(t, "g")}: what the filters keep`);
  for (const axis of ["xaxis", "xaxis2", "xaxis3"]) Object.assign(fig.layout[axis], { tickvals: x, ticktext: names, range: [-0.5, k - 0.5] });
  return fig;
}
