// The Logit paths page: the lab, trained in the page. Every Experiment field is a control (from the lab's
// spec, grouped, in words), a change trains the run and its comparison runs in Web Workers (one each; a
// newer change terminates them), the paths grow as records arrive, and the step slider and play move the
// diamonds in the browser alone (the paths view of ../paths_view.js, which the Runs page shares). The link is
// read as softmaxlab.web.pages.paths_runs reads it.
import { buildControls, element } from "../controls.js";
import { MAX_QUERY, readQuery, writeQuery } from "../state.js";
import { browserErrors, formatField, learningRate, parseField, readPairs, relationErrors, toQuery } from "../experiment.js";
import { pathsView } from "../paths_view.js";
import { format } from "../../format.js";

export const MAX_COMPARE = 3;
const GROUPS = ["data", "model", "loss", "optimiser", "training"];

/** paths_runs: {values, experiment, runs, titles, errors} of a link; every problem listed, no runs with any. */
export function readLink(spec, lab, search) {
  search = search ?? "";
  const none = (errors, values = Object.fromEntries(spec.map((c) => [c.name, c.default]))) => ({ values, experiment: readPairs(lab, []).values, runs: [], titles: [], errors });
  if (search.length > MAX_QUERY) return none([`the URL query is longer than ${MAX_QUERY} characters`]);
  const pairs = [...new URLSearchParams(search.replace(/^\?+/, ""))];
  const own = new Set(spec.map((c) => c.name));
  const read = readQuery(spec, "?" + new URLSearchParams(pairs.filter(([k]) => own.has(k))).toString());
  const base = readPairs(lab, pairs.filter(([k]) => !own.has(k)));
  const result = compare(lab, read.values, base.values, [...read.errors, ...base.errors]);
  return { values: read.values, experiment: base.values, ...result };
}

/** The main run and its comparison runs from the page's values, with their titles, or every problem. */
export function compare(lab, values, base, errors = []) {
  const fail = (more) => ({ runs: [], titles: [], errors: [...errors, ...more] });
  if (errors.length) return fail([]);
  const runs = [base];
  const name = values.compare;
  const against = values.against.split(",").map((a) => a.trim()).filter(Boolean);
  if (name !== "none") {
    if (!against.length) return fail([`against: give a value of ${name} for the comparison run (or compare none)`]);
    if (against.length > MAX_COMPARE) return fail([`against: at most ${MAX_COMPARE} values, got ${against.length}`]);
    const field = lab.fields.find((f) => f.name === name);
    for (const text of against) {
      let run;
      try {
        run = { ...base, [name]: parseField(field, text) };
      } catch (e) {
        return fail([`against: ${e.message}`]);
      }
      const problems = relationErrors(lab, run);
      if (problems.length) return fail([`against: ${problems.join("; ")}`]);
      runs.push(run);
    }
  }
  const limits = [];
  for (const run of runs) for (const m of browserErrors(lab, run)) if (!limits.includes(m)) limits.push(m);
  if (limits.length) return fail(limits);
  return { runs, titles: runs.map((run) => title(lab, run, name)), errors: [] };
}

function title(lab, run, name) {
  if (name === "none") return `${run.optimizer}, lr ${format(learningRate(lab, run), "g")}`;
  const field = lab.fields.find((f) => f.name === name);
  return `${name} = ${formatField(field, run[name]) || "default"}`;
}

/** The lines that reproduce the view in Python (the page shows them with a copy button). */
export function pythonSnippet(lab, runs, titles) {
  const queries = runs.map((run) => toQuery(lab, run));
  if (runs.length === 1) {
    return `from softmaxlab import Experiment, train\nrun = train(Experiment.from_query(${JSON.stringify(queries[0])}))`;
  }
  return [
    "from softmaxlab import Experiment, train, figures",
    `runs = [train(Experiment.from_query(q)) for q in ${JSON.stringify(queries).replace(/","/g, '", "')}]`,
    `figures.logit_paths(runs, titles=${JSON.stringify(titles).replace(/","/g, '", "')}).show()`,
  ].join("\n");
}

// what a control shows: the lab's field, with a slider's range for the browser and text boxes for lists
function widget(field, lab) {
  const c = { ...field };
  if (field.many) return { ...c, kind: "str", widget: "input", nullable: false, choices: [] };
  const slider = {
    lr: { minimum: 1e-4, maximum: 10, nullable: false, scale: "log" }, steps: { maximum: lab.limits.steps, step: 10 },
    samples_per_class: { maximum: 500, step: 1 }, classes: { step: 1 }, dim: { step: 1 }, feature_dim: { maximum: lab.limits.width, step: 1 },
    record_every: { maximum: 100, step: 1 }, noise: { step: 0.05 }, label_smoothing: { step: 0.01 }, focal_gamma: { step: 0.1 },
    temperature: { scale: "log" }, momentum: { step: 0.01 }, weight_decay: { step: 0.001 },
  }[field.name];
  if (slider) return { ...c, ...slider };
  if (field.kind === "int" || field.kind === "float") return { ...c, widget: "input" }; // seed, batch size
  return c;
}

// which controls apply to the experiment (the others are hidden)
function applies(e, name) {
  switch (name) {
    case "label_smoothing": return e.loss === "cross-entropy";
    case "focal_gamma": return e.loss === "focal";
    case "momentum": return e.optimizer === "momentum" || e.optimizer === "nesterov";
    case "hidden": case "activation": return e.model === "mlp";
    case "feature_dim": return e.model === "free-features";
    case "frequencies": return e.dataset !== "reference";
    default: return true;
  }
}

/** Start the page (main.js hands over here): the controls, the link, the workers, the figures. */
export function start({ data, pageData, root, where, writeLocation, renderHelp }) {
  const spec = pageData.controls;
  const lab = data.paths.experiment;
  const first = readLink(spec, lab, where.query);
  let values = first.values;
  let experiment = first.experiment;
  let linkErrors = first.errors;
  let notes = [];
  let runs = []; // what the workers have sent: {shape, logits, steps, labels, inputs, dim, loss, accuracy, filled, done, ms}
  let titles = [];
  let workers = []; // the workers training this generation's runs
  let idle = []; // workers that finished a run: started and warm, the next change's first
  let generation = 0;
  let firstDrawn = false;

  const panel = element("aside", { class: "panel" }, element("h1", {}, pageData.title));
  const message = element("div", { class: "message", role: "alert", hidden: true });
  const status = element("div", { class: "status", "aria-live": "polite" });
  const view = pathsView({
    data, root, state: () => values,
    onState(change) {
      values = { ...values, ...change };
      writeLink();
    },
  });
  const { pathsDiv, readingsDiv, player } = view;
  const code = element("pre", { class: "snippet" }, element("code", {}, ""));
  const copyCode = element("button", { type: "button", class: "copy-code" }, "copy");
  const python = element("section", { class: "python" }, element("h2", {}, "Open in Python"), code, copyCode);
  const buttons = element("div", { class: "buttons" });
  root.append(panel, element("div", { class: "main" }, message, status, player, buttons, element("section", { class: "figures" }, pathsDiv, readingsDiv),
    python, renderHelp(pageData.help)));

  const show = () => {
    const all = [...linkErrors.map((e) => `The link: ${e} (the default is used).`), ...notes];
    message.replaceChildren(...all.map((m) => element("div", {}, m)));
    message.hidden = all.length === 0;
  };

  // ---- the controls: the views beside the figure, the page's own (compare, against), the lab's fields ----
  buttons.append(...view.views);
  const copyLink = element("button", { type: "button", class: "copy-link" }, "copy link");
  copyLink.addEventListener("click", () => copyText(window.location.href, copyLink, "copy link"));
  buttons.append(copyLink);

  const updaters = [];
  const own = spec.filter((c) => !c.hidden);
  const compareBox = element("fieldset", { class: "group" }, element("legend", {}, "comparison"));
  panel.append(compareBox);
  updaters.push(buildControls(compareBox, own, {
    onChange(name, value) {
      values = { ...values, [name]: value };
      linkErrors = linkErrors.filter((e) => !e.startsWith(`${name}:`) && !e.startsWith("against:"));
      changed();
    },
    onError: (text) => { notes = [text]; show(); },
  }).update);
  for (const group of GROUPS) {
    const fields = lab.fields.filter((f) => f.group === group);
    const box = element("fieldset", { class: "group" }, element("legend", {}, group));
    const fold = element("details", { class: "advanced" }, element("summary", {}, "advanced"));
    panel.append(box);
    const handlers = {
      onChange(name, value) {
        const field = lab.fields.find((f) => f.name === name);
        try {
          value = field.many ? parseField(field, value) : value;
        } catch (e) {
          notes = [e.message];
          show();
          return;
        }
        experiment = { ...experiment, [name]: name === "batch_size" && value === 0 ? null : value };
        linkErrors = linkErrors.filter((e) => !e.startsWith(`${name}:`));
        changed();
      },
      onError: (text) => { notes = [text]; show(); },
    };
    const basic = fields.filter((f) => !f.advanced).map((f) => widget(f, lab));
    const more = fields.filter((f) => f.advanced).map((f) => widget(f, lab));
    updaters.push(buildControls(box, basic, handlers).update);
    if (more.length) {
      box.append(fold);
      updaters.push(buildControls(fold, more, handlers).update);
    }
  }
  const updateControls = () => {
    const shown = { ...values, ...experiment, lr: learningRate(lab, experiment), hidden: experiment.hidden.join(","), frequencies: experiment.frequencies.join(",") };
    for (const update of updaters) update(shown, (_, name) => applies(experiment, name));
  };

  copyCode.addEventListener("click", () => copyText(code.textContent, copyCode, "copy"));

  function copyText(text, button, label) {
    navigator.clipboard.writeText(text).then(() => (button.textContent = "copied"), () => window.prompt("Copy:", text));
    setTimeout(() => (button.textContent = label), 1500);
  }

  function writeLink() {
    const a = toQuery(lab, experiment);
    const b = writeQuery(spec, values).replace(/^\?/, "");
    const query = [a, b].filter(Boolean).join("&");
    writeLocation(query ? `?${query}` : "");
  }

  // ---- training: one worker per run; a newer change terminates the workers still training ---------------
  // A worker that finished its run waits for the next one (a new worker costs its script's parse before it
  // trains); one still training cannot hear a message before its run ends, so a change terminates it.
  const workerURL = URL.createObjectURL(new Blob([window.SOFTMAXLAB_WORKER], { type: "text/javascript" }));

  function changed() {
    notes = [];
    updateControls();
    writeLink();
    const result = compare(lab, values, experiment, relationErrors(lab, experiment));
    if (result.errors.length) {
      notes = result.errors;
      show();
      return; // keep the figures of the last good runs
    }
    show();
    train(result.runs, result.titles);
  }

  function train(experiments, names) {
    view.stop();
    stopGrowing();
    for (const w of workers) if (!idle.includes(w)) w.terminate();
    workers = [];
    const mine = ++generation;
    began = performance.now();
    firstDrawn = false;
    titles = names;
    runs = experiments.map(() => null);
    code.firstChild.textContent = pythonSnippet(lab, experiments, names);
    status.textContent = `training ${experiments.length} run${experiments.length > 1 ? "s" : ""} in your browser…`;
    workers = experiments.map((e, i) => {
      const worker = idle.pop() ?? new Worker(workerURL);
      worker.onmessage = ({ data: m }) => {
        if (mine !== generation) return;
        if (m.type === "start") {
          const size = m.samples * m.classes;
          runs[i] = { shape: [0, m.samples, m.classes], logits: new Float32Array(m.records * size), steps: new Int32Array(m.records),
            loss: new Float32Array(m.records), accuracy: new Float32Array(m.records), labels: m.labels, inputs: m.inputs, dim: m.dim,
            records: m.records, filled: 0, done: false };
        } else if (m.type === "records") {
          const run = runs[i];
          const size = run.shape[1] * run.shape[2];
          run.logits.set(m.logits, m.from * size);
          run.steps.set(m.steps, m.from);
          run.loss.set(m.loss, m.from);
          run.accuracy.set(m.accuracy, m.from);
          run.filled = m.from + m.steps.length;
          growSoon(mine);
        } else if (m.type === "done") {
          runs[i].done = true;
          runs[i].ms = m.ms;
          idle.push(worker);
          if (runs.every((r) => r && r.done)) {
            status.textContent = `trained ${runs.length} run${runs.length > 1 ? "s" : ""} of ${experiments[0].steps} steps in your browser (${runs.map((r) => `${Math.round(r.ms)} ms`).join(", ")})`;
            stopGrowing();
            draw();
            root.dispatchEvent(new CustomEvent("softmaxlab:trained", { detail: { ms: performance.now() - began } }));
          }
        } else if (m.type === "error") {
          idle.push(worker);
          notes = [`training stopped: ${m.message}`];
          show();
        }
      };
      worker.postMessage({ experiment: e });
      return worker;
    });
  }

  // While the paths grow, the first records are drawn at the next frame and then at most every GROW_MS:
  // each draw is a full react of both figures, on a main thread that shares two cores with the workers.
  const GROW_MS = 250;
  let frame = 0;
  let timer = 0;
  let lastDraw = 0;
  let began = 0;
  function growSoon(mine) {
    if (!firstDrawn) {
      draw({ growing: true }); // the first records at once: a frame's wait is the measure's own (goal 150 ms)
      if (firstDrawn) return;
    }
    if (frame || timer) return;
    const wait = firstDrawn ? lastDraw + GROW_MS - performance.now() : 0;
    const next = () => {
      timer = 0;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (mine === generation) draw({ growing: true });
      });
    };
    if (wait > 0) timer = setTimeout(next, wait);
    else next();
  }

  function stopGrowing() {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = timer = 0;
  }

  // the runs as far as they are trained: views of the records received so far
  function drawnRuns() {
    if (!runs.length || runs.some((r) => !r || r.filled === 0)) return [];
    return runs.map((r) => {
      const size = r.shape[1] * r.shape[2];
      return { ...r, shape: [r.filled, r.shape[1], r.shape[2]], logits: r.logits.subarray(0, r.filled * size), steps: r.steps.subarray(0, r.filled),
        loss: r.loss.subarray(0, r.filled), accuracy: r.accuracy.subarray(0, r.filled) };
    });
  }

  function draw({ growing = false } = {}) {
    const shown = drawnRuns();
    if (!shown.length) return;
    // the first paths first: the readings of one record say nothing yet, they come with the next draw
    view.draw(shown, titles, { growing, readings: firstDrawn || !growing });
    lastDraw = performance.now();
    root.dispatchEvent(new CustomEvent("softmaxlab:drawn", { detail: { values, experiment, growing } }));
    if (!firstDrawn) {
      firstDrawn = true; // the first paths of this training on screen (the benchmark's measure)
      root.dispatchEvent(new CustomEvent("softmaxlab:first-paths", { detail: { ms: performance.now() - began } }));
    }
  }

  updateControls();
  show();
  if (!linkErrors.length) train(first.runs, first.titles);
  else {
    // a bad link still shows a page: its good values with the defaults for the bad ones (or all the
    // defaults, if those do not go together), with every problem listed above
    let fallback = compare(lab, values, experiment, relationErrors(lab, experiment));
    if (fallback.errors.length) {
      values = Object.fromEntries(spec.map((c) => [c.name, c.default]));
      experiment = readPairs(lab, []).values;
      fallback = compare(lab, values, experiment);
      updateControls();
    }
    train(fallback.runs, fallback.titles);
  }
  const controller = {
    get values() { return values; },
    get experiment() { return experiment; },
    get runs() { return drawnRuns(); },
    get titles() { return titles; },
    get generation() { return generation; },
    get snippet() { return code.textContent; },
  };
  root.controller = controller; // for the console and the browser tests
  return controller;
}
