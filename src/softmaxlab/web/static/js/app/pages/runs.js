// The Runs page (softmaxlab serve only): every run under --logdir from the server's read-only API, and one
// opened in the paths view the Logit paths lab uses (../paths_view.js), with the readings over steps and an
// analysis figure that the server's Python builders make and plotly.js draws as they are.
//
// The state is softmaxlab.web.pages.RUNS_CONTROLS in the URL: run (a run's folder name; opening another run
// pushes a history entry, so Back returns to the one before), step (-1: the last record; a run still being
// written then follows its newest record), reading and camera. A run still being written is polled every
// POLL_MS for its summary; a new stamp (records committed) refetches its logits and figures.
import { buildControls, element } from "../controls.js";
import { pyRepr, readQuery, writeQuery } from "../state.js";
import { cameraErrors } from "../camera.js";
import { PLOT_CONFIG, pathsView } from "../paths_view.js";
import { plotConfig } from "../update.js";
import { format } from "../../format.js";

export const POLL_MS = 2000; // a run still being written: its summary this often
const LIST_MS = 5000; // the list, while one of its runs is being written
const IDLE_LIST_MS = 15000; // the list otherwise (a new run in the folder appears), while the tab is seen
export const MAX_RECORDS = 200; // what the paths view asks the server for (it decimates, evenly spaced)
export const MAX_SAMPLES = 300; // 1000 paths took twice as long to draw (docs/benchmarks.md) and show no more
const COLUMNS = ["run", "kind", "records", "samples", "classes", "done", "loss", "accuracy"];
const WIDE_ONLY = new Set([1, 3, 4]); // kind, samples, classes: in the run's summary too
const API = "../api/runs";
const READING_NAMES = { "data-map": "data map", reliability: "reliability diagram", forgetting: "forgetting", "neural-collapse": "neural collapse" };

/** Little-endian float32 from the API's base64 (or its `encoding=list` numbers, or a binary answer's array). */
export function decodeFloats(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof Float32Array) return value; // a binary answer's
  if (Array.isArray(value)) return Float32Array.from(value);
  const text = atob(value);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  if (bytes.length % 4) throw new Error(`a float32 array of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

export const BINARY_TYPE = "application/vnd.softmaxlab.logits";
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function floatsAt(buffer, offset, count) {
  if (offset + 4 * count > buffer.byteLength) throw new Error(`the answer ends before its ${count} numbers`);
  if (LITTLE_ENDIAN) return new Float32Array(buffer, offset, count); // offset is a multiple of 4
  const view = new DataView(buffer, offset, 4 * count);
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
}

/**
 * The API's binary logits answer (`encoding=binary`, docs/server.md): a little-endian uint32 H, H bytes of
 * JSON (padded so that 4 + H is a multiple of 4), the logits, then the inputs, as little-endian float32.
 * Returns the JSON document with `logits` and `inputs` as Float32Arrays (views of `buffer`, no copy).
 */
export function readBinaryAnswer(buffer) {
  if (buffer.byteLength < 4) throw new Error("the answer is too short");
  const size = new DataView(buffer).getUint32(0, true);
  if ((4 + size) % 4 || 4 + size > buffer.byteLength) throw new Error(`the answer's head of ${size} bytes does not fit`);
  const doc = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
  const count = doc.shape.reduce((a, b) => a * b, 1);
  const logits = floatsAt(buffer, 4 + size, count);
  const inputs = doc.input_dim ? floatsAt(buffer, 4 + size + 4 * count, doc.samples.length * doc.input_dim) : null;
  return { ...doc, logits, inputs };
}

/** The API's logits answer as a run of figures/paths.js (the records and samples the server kept). */
export function runOfLogits(answer) {
  const [records, samples, k] = answer.shape;
  const logits = decodeFloats(answer.logits);
  if (logits.length !== records * samples * k) throw new Error(`the logits hold ${logits.length} numbers, not ${records} x ${samples} x ${k}`);
  const dim = answer.input_dim ?? 0;
  const inputs = answer.inputs ? decodeFloats(answer.inputs) : null;
  const nan = (xs) => Float32Array.from(xs, (x) => (x === null ? NaN : x));
  return {
    shape: [records, samples, k], logits, steps: Int32Array.from(answer.steps), labels: Int32Array.from(answer.labels),
    inputs: inputs && dim ? inputs : null, dim, loss: nan(answer.loss), accuracy: nan(answer.accuracy),
    records: answer.records, samples: answer.samples,
  };
}

export const BUSY_TRIES = 4; // a busy server (503 with Retry-After) is asked again this many times at most

/**
 * GET an answer of the API: {ok, status, body}; a failed fetch or a non-JSON answer becomes a message. A binary
 * logits answer (its Content-Type BINARY_TYPE) is read by `readBinaryAnswer`; errors are always JSON.
 * A 503 (the server's heavy work is full) is asked again after its Retry-After seconds (at most 10 s, at most
 * BUSY_TRIES times) before it is shown. `fetcher` and `sleep` are for the tests.
 */
export async function getAnswer(url, { fetcher = globalThis.fetch, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = {}) {
  let response;
  for (let attempt = 0; ; attempt++) {
    try {
      response = await fetcher(url, { cache: "no-store" });
    } catch (e) {
      return { ok: false, status: 0, body: { error: `the server does not answer (${e.message}); is softmaxlab serve still running?` } };
    }
    if (response.status !== 503 || attempt >= BUSY_TRIES) break;
    const wait = Number(response.headers?.get?.("Retry-After"));
    await sleep(1000 * Math.min(Number.isFinite(wait) && wait > 0 ? wait : 1, 10));
  }
  let body;
  if (response.ok && (response.headers?.get?.("Content-Type") ?? "").startsWith(BINARY_TYPE)) {
    try {
      body = readBinaryAnswer(await response.arrayBuffer());
    } catch (e) {
      return { ok: false, status: response.status, body: { error: `the server's binary answer cannot be read: ${e.message}` } };
    }
    return { ok: true, status: response.status, body };
  }
  try {
    body = await response.json();
  } catch {
    body = { error: `the server answered ${response.status} without JSON (is this page served by softmaxlab serve?)` };
  }
  return { ok: response.ok, status: response.status, body };
}

// the name as one path segment: its dots escaped too, or the browser would resolve "." and ".." in the URL
// before it is sent (the server decodes once, and answers for the name itself)
const runURL = (name, more = "") => `${API}/${encodeURIComponent(name).replace(/\./g, "%2E")}${more}`;
const number = (x, spec = ",") => (x === null || x === undefined ? "" : format(x, spec));

/** Start the page (main.js hands over here). */
export function start({ data, pageData, root, where, renderHelp }) {
  const spec = pageData.controls;
  let values;
  let linkErrors;
  let notes = []; // the open run's problems (the server's messages)
  let list = null; // the API's runs
  let summary = null; // the open run's summary
  let run = null; // its logits, decoded
  let decimated = "";
  let drawnStamp = null; // the stamp of the records drawn
  let opened = 0; // which open the answers belong to (a newer open drops older answers)
  let poll = null;
  let listPoll = null;
  let analysisState = { reading: null, error: null };

  const panel = element("aside", { class: "panel" }, element("h1", {}, pageData.title));
  const message = element("div", { class: "message", role: "alert", hidden: true });
  const table = element("section", { class: "runs-list", "aria-label": "runs" });
  const status = element("div", { class: "status run-status", "aria-live": "polite" });
  const view = pathsView({
    data, root, serverReadings: true, state: () => values,
    onState(change) {
      values = { ...values, ...change };
      linkErrors = linkErrors.filter((e) => !Object.keys(change).some((k) => e.startsWith(`${k}:`)));
      writeLink(false);
    },
  });
  const analysisDiv = element("div", { class: "figure", id: "figure-2", "data-figure": "analysis" });
  const analysisNote = element("div", { class: "status analysis-note", hidden: true });
  const analysisBox = element("section", { class: "analysis" }, element("h2", {}, "Analysis"));
  const about = element("dl", { class: "run-summary" });
  const buttons = element("div", { class: "buttons" }, ...view.views);
  const copyLink = element("button", { type: "button", class: "copy-link" }, "copy link");
  copyLink.addEventListener("click", () => {
    navigator.clipboard.writeText(window.location.href).then(() => (copyLink.textContent = "link copied"), () => window.prompt("Copy this link:", window.location.href));
    setTimeout(() => (copyLink.textContent = "copy link"), 1500);
  });
  buttons.append(copyLink);
  const figures = element("section", { class: "figures" }, view.pathsDiv, analysisBox, view.readingsDiv);
  panel.append(buttons, about);
  root.append(panel, element("div", { class: "main" }, message, table, status, view.player, figures, renderHelp(pageData.help)));

  const readingControl = buildControls(analysisBox, spec.filter((c) => c.name === "reading").map((c) => ({ ...c, label: "analysis drawn" })), {
    onChange(name, value) {
      values = { ...values, [name]: value };
      linkErrors = linkErrors.filter((e) => !e.startsWith(`${name}:`));
      show();
      writeLink(false);
      drawAnalysis(opened);
    },
    onError(text) {
      notes = [text];
      show();
    },
  });
  // the radios say the readings in words (their values stay the URL's)
  analysisBox.querySelectorAll("label.radio").forEach((label) => {
    const input = label.querySelector("input");
    label.lastChild.textContent = READING_NAMES[input.value] ?? input.value;
  });
  analysisBox.append(analysisNote, analysisDiv);

  function show() {
    const all = [...linkErrors.map((e) => `The link: ${e} (the default is used).`), ...notes];
    message.replaceChildren(...all.map((m) => element("div", {}, m)));
    message.hidden = all.length === 0;
  }

  // ---- the link: run pushes (Back returns to the run before), the rest replaces -------------------------
  let pending = null;
  function writeLink(push) {
    const url = `${window.location.pathname}${writeQuery(spec, values)}`;
    clearTimeout(pending);
    if (push) {
      if (url !== `${window.location.pathname}${window.location.search}`) window.history.pushState(null, "", url);
      return;
    }
    pending = setTimeout(() => window.history.replaceState(null, "", url), 150); // once the slider rests
  }

  function readLink(search) {
    const read = readQuery(spec, search);
    values = read.values;
    linkErrors = read.errors;
    const camera = cameraErrors(values);
    if (camera.length) {
      linkErrors = [...linkErrors, ...camera];
      values = { ...values, camera: "" };
    }
  }

  // ---- the list ---------------------------------------------------------------------------------------
  async function loadList() {
    clearTimeout(listPoll);
    const got = document.hidden && list ? null : await getAnswer(API); // a hidden tab asks nothing
    if (got && !got.ok) {
      table.replaceChildren(element("p", { class: "message" }, `The runs: ${got.body.error ?? got.status}`));
      listPoll = setTimeout(loadList, IDLE_LIST_MS);
      return;
    }
    if (got && JSON.stringify(got.body.runs) !== JSON.stringify(list)) {
      list = got.body.runs;
      renderList(); // only when something changed: a table under the reader's finger stays put
    }
    const writing = list.some((r) => r.kind !== "broken" && r.complete === false);
    listPoll = setTimeout(loadList, writing ? LIST_MS : IDLE_LIST_MS);
    root.dispatchEvent(new CustomEvent("softmaxlab:listed", { detail: { runs: list.length } }));
  }

  function renderList() {
    if (!list) return;
    if (!list.length) {
      table.replaceChildren(element("p", { class: "empty" }, "No runs in the runs folder yet. Train one with ",
        element("code", {}, "softmaxlab train --out RUNS/first"), " (RUNS: the folder given to ", element("code", {}, "softmaxlab serve --logdir"),
        "), or record your own training with ", element("code", {}, "softmaxlab.record.LogitRecorder"), "; it appears here."));
      return;
    }
    // on a phone the kind, samples and classes columns are left out (site.css .wide-only): the rest fits its width
    const wide = (i) => (WIDE_ONLY.has(i) ? "wide-only" : "");
    const head = element("tr", {}, ...COLUMNS.map((h, i) => element("th", { scope: "col", class: wide(i) }, h)));
    const rows = list.map((r) => {
      const link = element("a", { href: `?run=${encodeURIComponent(r.name)}`, class: "run-name" }, r.name);
      link.addEventListener("click", (event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return; // a new tab: the browser's
        event.preventDefault();
        choose(r.name);
      });
      const row = element("tr", { "data-run": r.name, class: [r.name === values.run ? "current" : "", r.kind === "broken" ? "broken" : ""].join(" ").trim() },
        element("td", {}, link), element("td", { class: wide(1) }, r.kind));
      if (r.kind === "broken") {
        row.append(element("td", { colspan: "6", class: "run-error" }, r.error ?? "cannot be read"));
      } else {
        row.append(...[number(r.records), number(r.samples), number(r.classes), r.complete ? "yes" : "writing",
          number(r.final_loss, ".3f"), r.final_accuracy === null || r.final_accuracy === undefined ? "" : format(r.final_accuracy, ".1%")]
          .map((text, i) => element("td", { class: `${i === 3 ? "" : "number"} ${wide(i + 2)}`.trim() }, text)));
      }
      row.addEventListener("click", (event) => {
        if (event.target.closest("a")) return;
        choose(r.name);
      });
      return row;
    });
    table.replaceChildren(element("div", { class: "table-scroll" }, element("table", {}, element("thead", {}, head), element("tbody", {}, ...rows))));
  }

  function choose(name) {
    if (name === values.run) return;
    values = { ...values, run: name, step: -1 };
    linkErrors = linkErrors.filter((e) => !e.startsWith("run:") && !e.startsWith("step:"));
    writeLink(true);
    open();
  }

  // ---- one run -----------------------------------------------------------------------------------------
  function stopPolling() {
    clearTimeout(poll);
    poll = null;
  }

  function close() {
    stopPolling();
    summary = null;
    run = null;
    drawnStamp = null;
    decimated = "";
    view.clear();
    window.Plotly.purge(analysisDiv);
    analysisBox.hidden = true;
    view.player.hidden = true;
    view.views.forEach((b) => (b.hidden = true)); // no scene to turn
    about.replaceChildren();
  }

  async function open() {
    const mine = ++opened;
    close();
    notes = [];
    renderList();
    show();
    if (!values.run) {
      status.textContent = list && list.length ? "Choose a run above to open it." : "";
      return;
    }
    if (values.run === "." || values.run === "..") {
      // a browser resolves these as the URL's own dot segments (escaped or not), so the server never sees them
      notes = [`run: ${pyRepr(values.run)} is not a run name (a folder directly inside the runs folder)`];
      status.textContent = "";
      show();
      root.dispatchEvent(new CustomEvent("softmaxlab:opened", { detail: { run: values.run, error: notes[0] } }));
      return;
    }
    status.textContent = `opening ${values.run}…`;
    const got = await getAnswer(runURL(values.run));
    if (mine !== opened) return;
    if (!got.ok) {
      notes = [`run: ${got.body.error ?? `the server answered ${got.status}`}`];
      status.textContent = "";
      show();
      root.dispatchEvent(new CustomEvent("softmaxlab:opened", { detail: { run: values.run, error: notes[0] } }));
      return;
    }
    summary = got.body;
    describe();
    if (!(await refresh(mine))) return;
    root.dispatchEvent(new CustomEvent("softmaxlab:opened", { detail: { run: values.run, error: null } }));
    watch(mine);
  }

  // the logits and the figures of the open run as the server has them now; false if a newer open took over
  async function refresh(mine) {
    const got = await getAnswer(runURL(values.run, `/logits?max_records=${MAX_RECORDS}&max_samples=${MAX_SAMPLES}&encoding=binary`));
    if (mine !== opened) return false;
    if (!got.ok) {
      notes = [`run: ${got.body.error ?? `the server answered ${got.status}`}`];
      show();
      return false;
    }
    try {
      run = runOfLogits(got.body);
    } catch (e) {
      notes = [`run: ${e.message}`];
      show();
      return false;
    }
    decimated = got.body.decimated;
    drawnStamp = got.body.stamp;
    if (run.shape[0] === 0) {
      // a writer that has not committed its first record yet: nothing to draw, and the analysis says so
      view.clear();
      view.player.hidden = true;
      statusLine();
      await drawAnalysis(mine);
      root.dispatchEvent(new CustomEvent("softmaxlab:drawn", { detail: { values, run: values.run, records: 0, stamp: drawnStamp } }));
      return mine === opened;
    }
    const steps = run.steps;
    if (values.step >= 0 && !(steps[0] <= values.step && values.step <= (summary.last_step ?? steps[steps.length - 1]))) {
      linkErrors = [...linkErrors.filter((e) => !e.startsWith("step:")),
        `step: ${values.step} is not a recorded step of ${values.run} (${steps[0]} to ${steps[steps.length - 1]}); the last is shown`];
      values = { ...values, step: -1 };
      writeLink(false);
    }
    // the figures are asked for first: the server makes them while the browser draws the paths
    const figures = Promise.all([drawReadings(mine), drawAnalysis(mine)]);
    drawPaths();
    await figures;
    return mine === opened;
  }

  function drawPaths() {
    notes = notes.filter((n) => !n.startsWith("paths:"));
    try {
      view.draw([run], [values.run]);
      view.views.forEach((b) => (b.hidden = false));
    } catch (e) {
      notes = [...notes, `paths: ${e.message}`];
      view.player.hidden = true;
    }
    show();
    statusLine();
    root.dispatchEvent(new CustomEvent("softmaxlab:drawn", { detail: { values, run: values.run, records: run.shape[0], stamp: drawnStamp } }));
  }

  function statusLine() {
    const parts = [summary.records
      ? `${values.run}: ${number(summary.records)} records of ${number(summary.samples)} samples, steps ${summary.first_step} to ${summary.last_step}`
      : `${values.run}: no records yet`];
    if (decimated) parts.push(`drawn: ${decimated}`);
    if (!summary.complete) parts.push(`still being written: refreshed every ${POLL_MS / 1000} s${values.step < 0 ? ", following its newest record" : ""}`);
    status.textContent = parts.join("; ");
  }

  async function drawReadings(mine) {
    if (!summary.readings || !summary.readings.includes("readings")) {
      view.setReadings(null);
      return;
    }
    const got = await getAnswer(runURL(values.run, "/figures/readings"));
    if (mine !== opened) return;
    if (got.ok) view.setReadings(got.body);
    else view.setReadings(null);
  }

  async function drawAnalysis(mine) {
    if (!summary) return;
    analysisBox.hidden = false;
    readingControl.update(values, () => true);
    const reading = values.reading;
    const got = await getAnswer(runURL(values.run, `/figures/${reading}`));
    if (mine !== opened || reading !== values.reading) return;
    if (got.ok) {
      analysisNote.hidden = true;
      analysisDiv.hidden = false;
      window.Plotly.react(analysisDiv, got.body.data, got.body.layout, plotConfig(PLOT_CONFIG));
      analysisState = { reading, error: null };
    } else {
      // a reading this run cannot make (neural collapse without features): the server says why
      window.Plotly.purge(analysisDiv);
      analysisDiv.hidden = true;
      analysisNote.hidden = false;
      analysisNote.textContent = got.body.error ?? `${READING_NAMES[reading]}: the server answered ${got.status}`; // it names the reading
      analysisState = { reading, error: analysisNote.textContent };
    }
    root.dispatchEvent(new CustomEvent("softmaxlab:analysis", { detail: analysisState }));
  }

  function describe() {
    const rows = [["run", summary.name], ["kind", summary.kind], ["records", number(summary.records)], ["samples", number(summary.samples)],
      ["classes", number(summary.classes)], ["steps", summary.records ? `${summary.first_step} to ${summary.last_step}` : "none yet"],
      ["written", summary.complete ? "complete" : "still being written (or stopped before it closed)"]];
    if (summary.ranks && summary.ranks.length) rows.push(["ranks", summary.ranks.map((r) => `${r.rank}: ${r.records}${r.complete ? "" : " (writing)"}`).join(", ")]);
    if (summary.description) rows.push(["description", summary.description]);
    about.replaceChildren(element("h2", {}, "This run"), ...rows.flatMap(([k, v]) => [element("dt", {}, k), element("dd", {}, String(v))]));
    if (summary.query !== null && summary.query !== undefined) {
      // a lab run: the same experiment, trained again in the browser by the Logit paths page
      about.append(element("dt", {}, "train again"), element("dd", {}, element("a", { href: `../paths/?${summary.query}&compare=none` }, "in the Logit paths lab")));
    }
  }

  // a run still being written: its summary every POLL_MS; a new stamp refetches it (at step -1 the view follows)
  function watch(mine) {
    stopPolling();
    if (summary.complete && drawnStamp === summary.stamp) return;
    poll = setTimeout(async () => {
      if (mine !== opened) return;
      const got = await getAnswer(runURL(values.run));
      if (mine !== opened) return;
      if (got.ok) {
        summary = got.body;
        describe();
        // while it plays, the view keeps what it plays; the new records come at the next poll after
        if (got.body.stamp !== drawnStamp && !view.playing && (await refresh(mine))) {
          loadList();
          root.dispatchEvent(new CustomEvent("softmaxlab:refreshed", { detail: { records: run.shape[0], stamp: drawnStamp, complete: summary.complete } }));
        }
      }
      if (mine === opened) watch(mine);
    }, POLL_MS);
  }

  // Back and Forward: the link is the state
  window.addEventListener("popstate", () => {
    const before = values.run;
    readLink(window.location.search);
    if (values.run !== before) open();
    else if (run) {
      view.redraw();
      drawAnalysis(opened);
      show();
    }
  });

  readLink(where.query);
  view.player.hidden = true;
  analysisBox.hidden = true;
  show();
  loadList().then(() => {
    if (!values.run) status.textContent = list && list.length ? "Choose a run above to open it." : "";
  });
  open();

  const controller = {
    get values() { return values; },
    get summary() { return summary; },
    get run() { return run; },
    get list() { return list; },
    get decimated() { return decimated; },
    get analysis() { return analysisState; },
    get polling() { return poll !== null; },
    get stamp() { return drawnStamp; },
  };
  root.controller = controller; // for the console and the browser tests
  return controller;
}
