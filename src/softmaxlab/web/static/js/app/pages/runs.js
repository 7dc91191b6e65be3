// The Runs page (softmaxlab serve only): every run under --logdir from the server's API, one opened in the
// paths view of the Logit paths lab. The page's state is softmaxlab.web.pages.RUNS_CONTROLS.
import { element } from "../controls.js";
import { readQuery } from "../state.js";

/** Start the page (main.js hands over here). */
export function start({ pageData, root, where, renderHelp }) {
  const read = readQuery(pageData.controls, where.query);
  const message = element("div", { class: "message", role: "alert", hidden: read.errors.length === 0 },
    ...read.errors.map((e) => element("div", {}, `The link: ${e} (the default is used).`)));
  root.append(element("aside", { class: "panel" }, element("h1", {}, pageData.title)),
    element("div", { class: "main" }, message, renderHelp(pageData.help)));
  const controller = { get values() { return read.values; } };
  root.controller = controller;
  return controller;
}
