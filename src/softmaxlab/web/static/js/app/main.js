// The page: controls from the spec, the state in the URL, the figures drawn from the embedded skeletons.
// Everything is computed here, in the browser; nothing is requested after the page's own files.
import { FIGURES } from "../figures/index.js";
import { buildControls, element } from "./controls.js";
import { PAGES } from "./pages/index.js";
import { readQuery, writeQuery } from "./state.js";
import { VIEWS, applyCamera, cameraText, screenZoom } from "./camera.js";
import { plotConfig, savePng, showFigure } from "./update.js";
import { dragDots } from "./drag.js";
import { moveMarker } from "./pick.js";
import { liveDraw } from "./live.js";

const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  // nothing leaves the page: no button that uploads the chart to a cloud service
  modeBarButtonsToRemove: ["sendDataToCloud", "editInChartStudio"],
};


/** Where the state lives: the query of a page of the site, or the hash of the one-file explainer. */
function location_(mode) {
  if (mode === "single") {
    const hash = window.location.hash.replace(/^#/, "");
    const [key, query = ""] = hash.split("?");
    return { key: key || null, query: query ? "?" + query : "" };
  }
  return { key: null, query: window.location.search };
}

let pendingLocation = null;

function writeLocation(mode, key, query) {
  const url = mode === "single" ? `#${key}${query}` : `${window.location.pathname}${query}`;
  // replace, not push: Back goes to the previous page, not through every slider position; and once the
  // input rests (browsers throttle a page that replaces its URL hundreds of times a second while dragging)
  clearTimeout(pendingLocation);
  pendingLocation = setTimeout(() => window.history.replaceState(null, "", url), 150);
}

/**
 * Save the one-file explainer, opening at this page in this state: the file is the site's explainer with a
 * first line that sets its hash when it has none (a saved file has no address to carry the state). Where
 * it cannot be fetched (a site opened from file://), the explainer opens at the state instead.
 */
async function downloadOneFile(explainer, key, query) {
  const hash = `#${key}${query}`;
  try {
    const response = await fetch(explainer);
    if (!response.ok) throw new Error(`${explainer}: ${response.status}`);
    const text = await response.text();
    const first = `<script>if (!location.hash) history.replaceState(null, "", ${JSON.stringify(hash).replace(/</g, "\\u003c")});</script>`;
    const blob = new Blob([text.replace("<body>", `<body>${first}`)], { type: "text/html" });
    const link = element("a", { href: URL.createObjectURL(blob), download: `softmaxlab-${key}.html` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch {
    window.location.href = explainer + hash;
  }
}

function renderHelp(text) {
  // the help is ours (the build writes it), with two marks: **bold** and *emphasis*. Every part goes in as
  // text (element() and append() never parse HTML), so a stray < or & shows as it is
  const p = element("p", { class: "help" });
  // split's captured marks land at the odd places
  text.split(/(\*\*[^*]+\*\*|\*[^*\s][^*]*\*)/).forEach((part, i) => {
    if (i % 2 === 0) p.append(part);
    else if (part.startsWith("**")) p.append(element("strong", {}, part.slice(2, -2)));
    else p.append(element("em", {}, part.slice(1, -1)));
  });
  return p;
}

/**
 * Start the page `key` of the build's `data` (mode "site" or "single"). `explainer`: the site's one-file
 * explainer (a URL), offered as "this page as one HTML file". Returns the page's controller.
 */
export function start(data, { key, mode = "site", explainer = null } = {}) {
  const where = location_(mode);
  key = where.key ?? key ?? data.pages[0].key;
  const pageData = data.pages.find((p) => p.key === key) ?? data.pages[0];
  const page = PAGES[pageData.key];
  const spec = pageData.controls;
  const root = document.getElementById("page");
  // the one-file explainer starts page after page in one document: give back every figure's WebGL
  // context first, or the browser runs out of them after a few 3D pages
  root.querySelectorAll(".figure").forEach((div) => window.Plotly.purge(div));
  root.replaceChildren();
  document.querySelectorAll("nav a[data-page]").forEach((a) => a.classList.toggle("current", a.dataset.page === pageData.key));
  document.title = `${pageData.title} · softmaxlab`;
  if (page.start) {
    // a page with its own life (the Logit paths page trains in Web Workers)
    const write = (query) => writeLocation(mode, pageData.key, query);
    return page.start({ data, pageData, root, where, writeLocation: write, renderHelp });
  }

  const panel = element("aside", { class: "panel" }, element("h1", {}, pageData.title));
  const message = element("div", { class: "message", role: "alert", hidden: true });
  const figuresBox = element("section", { class: "figures" });
  root.append(panel, element("div", { class: "main" }, message, figuresBox, renderHelp(pageData.help)));

  const read = readQuery(spec, where.query);
  let values = read.values;
  let linkErrors = read.errors;
  let notes = [];
  const show = () => {
    const all = [...linkErrors.map((e) => `The link: ${e} (the default is used).`), ...notes];
    message.replaceChildren(...all.map((m) => element("div", {}, m)));
    message.hidden = all.length === 0;
  };

  const controls = buildControls(panel, spec, {
    onChange(name, value) {
      values = { ...values, [name]: value };
      linkErrors = linkErrors.filter((e) => !e.startsWith(`${name}:`));
      notes = [];
      schedule({ live: true });
    },
    onError(text) {
      notes = [text];
      show();
    },
  });

  const buttons = element("div", { class: "buttons" });
  for (const action of page.actions) {
    const button = element("button", { type: "button" }, action.label);
    button.addEventListener("click", () => {
      const result = action.apply(values);
      notes = result.error ? [result.error] : [];
      if (result.values) values = result.values;
      schedule({ live: true }); // "add c to every logit" moves the dots: drawn live, and by plotly at rest
    });
    buttons.append(button);
  }
  let picking = false; // the "move the marker" mode (app/pick.js): a press moves the marker, not the camera
  if (page.pick) {
    const button = element("button", { type: "button", class: "pick", "aria-pressed": "false",
      title: "on: press and move over a surface to put the marker there (or hold shift); off: a drag turns the view" }, page.pick.label);
    button.addEventListener("click", () => {
      picking = !picking;
      button.setAttribute("aria-pressed", String(picking));
      figuresBox.classList.toggle("picking", picking);
    });
    buttons.append(button);
  }
  if (page.threeD) {
    for (const [label, camera] of VIEWS) {
      const button = element("button", { type: "button", class: "view" }, label);
      button.addEventListener("click", () => {
        values = { ...values, camera };
        draw();
      });
      buttons.append(button);
    }
  }
  const copy = element("button", { type: "button", class: "copy-link" }, "copy link");
  copy.addEventListener("click", async () => {
    const link = window.location.href;
    try {
      await navigator.clipboard.writeText(link);
      copy.textContent = "link copied";
    } catch {
      window.prompt("Copy this link:", link); // file:// and older browsers have no clipboard API
    }
    setTimeout(() => (copy.textContent = "copy link"), 1500);
  });
  const png = element("button", { type: "button", title: "the figure as a PNG image" }, "save PNG");
  png.addEventListener("click", () => {
    const div = figuresBox.querySelector(".figure:not([hidden])");
    if (!div) return;
    savePng(div, `softmaxlab-${pageData.key}`, PLOT_CONFIG);
  });
  buttons.append(copy, png);
  if (explainer) {
    const one = element("button", { type: "button", class: "one-file", title: "this page as one HTML file that works offline, opened from disk" }, "save HTML");
    one.addEventListener("click", () => downloadOneFile(explainer, pageData.key, writeQuery(spec, values)));
    buttons.append(one);
  }
  // the buttons go above the controls, so they stay in view with 10 logit sliders or on a short screen
  panel.querySelector("h1").after(buttons);

  // {div, last, resting}: a figure's div, (a copy of) the figure plotly last drew in it, and the figure drawn
  // there live (app/live.js) that plotly draws once the control rests
  const slots = [];
  let lastMs = null;
  // how the figures are drawn: fast (only what changed, see update.js) or always a full Plotly.react;
  // coalesced (the changes queued during a draw make one draw) or one draw per change (the benchmark's
  // baseline); live (a moving control's change of positions and texts moves plotly's SVG, app/live.js)
  const drawing = { fast: true, coalesce: true, live: true, last: [] };
  const REST_MS = 120; // a control that has not moved for this long rests: plotly draws what was drawn live
  let resting = null;
  function plot(slot, fig) {
    // a copy of what was computed, before plotly writes into it (fitted ranges, a colour bar's place)
    const drawn = structuredClone({ data: fig.data, layout: fig.layout });
    const how = showFigure(slot.div, fig, slot.last, plotConfig(PLOT_CONFIG), { fast: drawing.fast });
    slot.last = drawn;
    return how;
  }
  function rest() {
    for (const slot of slots) {
      if (!slot.resting) continue;
      const fig = slot.resting;
      slot.resting = null;
      plot(slot, fig);
    }
    root.dispatchEvent(new CustomEvent("softmaxlab:rested", { detail: { values } }));
  }
  function draw({ live = false } = {}) {
    pending = null; // this draw shows every change so far
    const t0 = performance.now();
    controls.update(values, page.visible);
    writeLocation(mode, pageData.key, writeQuery(spec, values));
    const { plan, errors } = page.plan(values);
    if (errors.length) {
      notes = [...notes, ...errors];
      show();
      return; // keep the figures of the last good state
    }
    show();
    drawing.last = plan.map(([name, options], i) => {
      const module = FIGURES[name];
      const skeleton = data.skeletons[name][module.variant(options)];
      const fig = module.figure(skeleton, options);
      fig.layout.template = data.template;
      if (page.threeD) applyCamera(fig.layout, values.camera, screenZoom());
      if (!slots[i]) {
        const div = element("div", { class: "figure", id: `figure-${i}`, "data-figure": name });
        slots[i] = { div, last: null };
        figuresBox.append(div);
        if (page.drag && page.drag.figure === name) dragDots(div, page.drag, { values: () => values, onMove: moved, onEnd: moved });
      }
      const slot = slots[i];
      if (slot.div.hidden || slot.div.dataset.figure !== name) slot.last = null; // purged, or another figure
      slot.div.hidden = false;
      slot.div.dataset.figure = name;
      if (live && drawing.live && drawing.fast && liveDraw(slot.div, slot.last, fig)) {
        slot.resting = fig;
        return "live";
      }
      slot.resting = null;
      const how = plot(slot, fig);
      if (page.threeD && !slot.div.dataset.listening) {
        listenToCamera(slot.div); // plotly's event methods exist once it has drawn into the div
        if (page.pick) moveMarker(slot.div, page.pick, { values: () => values, active: () => picking, onMove: moved });
        slot.div.dataset.listening = "1";
      }
      return how;
    });
    for (let i = plan.length; i < slots.length; i++) {
      // a figure that is not needed any more gives back its WebGL context
      if (!slots[i].div.hidden) window.Plotly.purge(slots[i].div);
      slots[i].div.hidden = true;
    }
    clearTimeout(resting);
    if (slots.some((slot) => slot.resting)) resting = setTimeout(rest, REST_MS);
    lastMs = performance.now() - t0;
    root.dispatchEvent(new CustomEvent("softmaxlab:drawn", { detail: { ms: lastMs, values, how: drawing.last } }));
  }
  function moved(next) {
    values = { ...values, ...next };
    notes = [];
    schedule({ live: true });
  }
  function listenToCamera(div) {
    // a turned scene is state: it goes into the link, and the figure's other scene turns with it
    div.on("plotly_relayout", (change) => {
      const key = Object.keys(change).find((k) => /^scene\d*\.camera$/.test(k));
      if (!key || !change[key].eye) return;
      const zoom = screenZoom(), eye = change[key].eye;
      const camera = cameraText({ x: eye.x / zoom, y: eye.y / zoom, z: eye.z / zoom }); // the wide screen's eye
      if (camera === values.camera) return;
      values = { ...values, camera };
      writeLocation(mode, pageData.key, writeQuery(spec, values));
      const others = Object.keys(div.layout).filter((k) => /^scene\d*$/.test(k) && k !== key.split(".")[0]);
      if (others.length) window.Plotly.relayout(div, Object.fromEntries(others.map((k) => [`${k}.camera.eye`, change[key].eye])));
    });
  }
  let settling = false; // a draw just ended, and the input queued meanwhile is still being delivered
  let pending = null; // a change arrived then: {live} (live if every change queued was a moving control's)
  function schedule({ live = false } = {}) {
    // the first change draws at once; the changes that queued up while it drew (a key held down, typed
    // digits, moves of a drag faster than the draws) coalesce into one draw of the newest state, right
    // after the browser has delivered them (the browser runs queued input before a timer's task)
    if (!drawing.coalesce) return draw({ live });
    if (settling) {
      pending = { live: live && (pending?.live ?? true) };
      return;
    }
    draw({ live });
    settling = true;
    setTimeout(() => {
      settling = false;
      const queued = pending;
      if (queued) schedule(queued);
    }, 0);
  }
  draw();
  const controller = {
    get values() { return values; },
    set(next) { values = { ...values, ...next }; draw(); },
    get lastMs() { return lastMs; },
    drawing, // for the benchmark and the browser tests: {fast, coalesce} and how the last draw drew
  };
  root.softmaxlab = controller; // the page's controller, for the console, the tests and the benchmark
  return controller;
}
