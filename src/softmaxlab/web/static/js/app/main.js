// The page: controls from the spec, the state in the URL, the figures drawn from the embedded skeletons.
// Everything is computed here, in the browser; nothing is requested after the page's own files.
import { FIGURES } from "../figures/index.js";
import { buildControls, element } from "./controls.js";
import { PAGES } from "./pages/index.js";
import { readQuery, writeQuery } from "./state.js";
import { VIEWS, applyCamera, cameraText } from "./camera.js";

const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  // nothing leaves the page: no button that uploads the chart to a cloud service
  modeBarButtonsToRemove: ["sendDataToCloud", "editInChartStudio"],
  toImageButtonOptions: { format: "png", scale: 2 },
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

function renderHelp(text) {
  // the help is ours (the build writes it): **bold** is the only markup
  const p = element("p", { class: "help" });
  text.split(/(\*\*[^*]+\*\*)/).forEach((part) => p.append(part.startsWith("**") ? element("strong", {}, part.slice(2, -2)) : part));
  return p;
}

/** Start the page `key` of the build's `data` (mode "site" or "single"). Returns the page's controller. */
export function start(data, { key, mode = "site" } = {}) {
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
      schedule();
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
      schedule();
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
  const png = element("button", { type: "button" }, "download PNG");
  png.addEventListener("click", () => {
    const div = figuresBox.querySelector(".figure:not([hidden])");
    if (div) window.Plotly.downloadImage(div, { format: "png", filename: `softmaxlab-${pageData.key}`, scale: 2 });
  });
  buttons.append(copy, png);
  // the buttons go above the controls, so they stay in view with 10 logit sliders or on a short screen
  panel.querySelector("h1").after(buttons);

  const slots = [];
  let lastMs = null;
  function draw() {
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
    plan.forEach(([name, options], i) => {
      const module = FIGURES[name];
      const skeleton = data.skeletons[name][module.variant(options)];
      const fig = module.figure(skeleton, options);
      fig.layout.template = data.template;
      if (page.threeD) applyCamera(fig.layout, values.camera);
      if (!slots[i]) {
        slots[i] = element("div", { class: "figure", id: `figure-${i}`, "data-figure": name });
        figuresBox.append(slots[i]);
      }
      slots[i].hidden = false;
      slots[i].dataset.figure = name;
      window.Plotly.react(slots[i], fig.data, fig.layout, PLOT_CONFIG);
      if (page.threeD && !slots[i].dataset.listening) {
        listenToCamera(slots[i]); // plotly's event methods exist once it has drawn into the div
        slots[i].dataset.listening = "1";
      }
    });
    for (let i = plan.length; i < slots.length; i++) {
      // a figure that is not needed any more gives back its WebGL context
      if (!slots[i].hidden) window.Plotly.purge(slots[i]);
      slots[i].hidden = true;
    }
    lastMs = performance.now() - t0;
    root.dispatchEvent(new CustomEvent("softmaxlab:drawn", { detail: { ms: lastMs, values } }));
  }
  function listenToCamera(div) {
    // a turned scene is state: it goes into the link, and the figure's other scene turns with it
    div.on("plotly_relayout", (change) => {
      const key = Object.keys(change).find((k) => /^scene\d*\.camera$/.test(k));
      if (!key || !change[key].eye) return;
      const camera = cameraText(change[key].eye);
      if (camera === values.camera) return;
      values = { ...values, camera };
      writeLocation(mode, pageData.key, writeQuery(spec, values));
      const others = Object.keys(div.layout).filter((k) => /^scene\d*$/.test(k) && k !== key.split(".")[0]);
      if (others.length) window.Plotly.relayout(div, Object.fromEntries(others.map((k) => [`${k}.camera.eye`, change[key].eye])));
    });
  }
  function schedule() {
    // drawn at once, in the input's own event: the browser sends a drag's input events at most once per
    // frame, so waiting for the next frame would only add up to 16 ms to every move
    draw();
  }
  draw();
  return { get values() { return values; }, set(next) { values = { ...values, ...next }; draw(); }, get lastMs() { return lastMs; } };
}
