// Every figure the browser draws, by its name in softmaxlab.figures.FIGURES (see softmaxlab/web/figures.py).
import * as sigmoid from "./sigmoid.js";
import * as softmax2d from "./softmax2d.js";
import { surfaces2, surfaces3 } from "./surfaces.js";
import * as loss from "./loss.js";
import * as input_space from "./input_space.js";
import * as sampling from "./sampling.js";

export const FIGURES = { sigmoid, "softmax-2d": softmax2d, "surfaces-2": surfaces2, "surfaces-3": surfaces3, loss, "input-space": input_space, sampling };
