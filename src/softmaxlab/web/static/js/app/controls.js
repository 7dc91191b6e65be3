// The controls of a page, built from the spec alone: a slider with its number for numbers (log scale where
// the spec says so), a menu or radio buttons for choices, a checkbox for on/off, a text box for text.
import { coerce, encode } from "./state.js";

const SLIDER_STEPS = 1000; // positions of a log-scale slider

function element(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

function toSlider(c, value) {
  return c.scale === "log" ? Math.round((SLIDER_STEPS * Math.log(value / c.minimum)) / Math.log(c.maximum / c.minimum)) : value;
}

function fromSlider(c, position) {
  if (c.scale !== "log") return Number(position);
  const v = c.minimum * Math.pow(c.maximum / c.minimum, Number(position) / SLIDER_STEPS);
  return Number(v.toPrecision(3)); // a log slider lands on 3 significant digits, as a person would type
}

/** One control: a labelled row whose `set(value)` shows a value and which calls `onChange(name, text)`. */
function control(c, onChange) {
  const id = `control-${c.name}`;
  const label = element("label", { for: id, title: c.help }, c.label);
  const row = element("div", { class: "control", "data-name": c.name }, label);
  let set;
  if (c.kind === "bool") {
    const box = element("input", { type: "checkbox", id, name: c.name });
    box.addEventListener("change", () => onChange(c.name, box.checked ? "1" : "0"));
    row.classList.add("control-bool");
    row.prepend(box);
    set = (v) => (box.checked = v);
  } else if (c.kind === "choice" && c.widget === "radio") {
    const group = element("div", { class: "radios", role: "radiogroup", id });
    const inputs = c.choices.map((choice) => {
      const input = element("input", { type: "radio", name: c.name, value: String(choice) });
      input.addEventListener("change", () => input.checked && onChange(c.name, String(choice)));
      group.append(element("label", { class: "radio" }, input, String(choice)));
      return input;
    });
    row.append(group);
    set = (v) => inputs.forEach((input) => (input.checked = input.value === String(v)));
  } else if (c.kind === "choice") {
    const select = element("select", { id, name: c.name }, ...c.choices.map((choice) => element("option", { value: String(choice) }, String(choice))));
    select.addEventListener("change", () => onChange(c.name, select.value));
    row.append(select);
    set = (v) => (select.value = String(v));
  } else if ((c.kind === "float" || c.kind === "int") && c.widget !== "input" && c.minimum != null && c.maximum != null) {
    const log = c.scale === "log";
    const slider = element("input", {
      type: "range", id, name: c.name, "aria-label": c.label,
      min: String(log ? 0 : c.minimum), max: String(log ? SLIDER_STEPS : c.maximum), step: String(log ? 1 : c.step ?? "any"),
    });
    const number = element("input", { type: "number", class: "value", "aria-label": `${c.label} value`, step: "any", min: String(c.minimum), max: String(c.maximum) });
    slider.addEventListener("input", () => {
      const v = fromSlider(c, slider.value);
      number.value = String(v);
      onChange(c.name, encode(c, v));
    });
    number.addEventListener("change", () => onChange(c.name, number.value));
    row.append(element("div", { class: "slider" }, slider, number));
    set = (v) => {
      slider.value = String(toSlider(c, v));
      if (document.activeElement !== number) number.value = String(v);
    };
  } else {
    const input = element("input", { type: "text", id, name: c.name, spellcheck: false, inputmode: c.kind === "str" ? "text" : "decimal" });
    input.addEventListener("change", () => onChange(c.name, input.value));
    row.append(input);
    set = (v) => (input.value = v === null ? "" : encode(c, v));
  }
  return { row, set, control: c };
}

/** The controls panel of a spec; `update(values, visible)` shows values, `onChange(name, value)` reports a checked value. */
export function buildControls(panel, spec, { onChange, onError }) {
  const rows = spec.map((c) =>
    control(c, (name, text) => {
      try {
        onChange(name, coerce(c, text));
      } catch (e) {
        onError(e.message);
      }
    }),
  );
  panel.append(...rows.map((r) => r.row));
  return {
    update(values, visible) {
      for (const r of rows) {
        r.set(values[r.control.name]);
        r.row.hidden = Boolean(r.control.hidden) || !visible(values, r.control.name);
      }
    },
  };
}

export { element };
