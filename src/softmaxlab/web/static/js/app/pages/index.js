// Every page's plan (which figures, with which options), by the page's key in softmaxlab.web.pages.
import * as softmax from "./softmax.js";
import * as surfaces from "./surfaces.js";
import * as input_space from "./input_space.js";
import * as loss from "./loss.js";
import * as sampling from "./sampling.js";
import * as paths from "./paths.js";
import * as runs from "./runs.js";

export const PAGES = { softmax, surfaces, "input-space": input_space, loss, sampling, paths, runs };
