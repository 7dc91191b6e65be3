// Every figure the browser draws, by its name in softmaxlab.figures.FIGURES (see softmaxlab/web/figures.py).
import * as sigmoid from "./sigmoid.js";
import * as softmax2d from "./softmax2d.js";

export const FIGURES = { sigmoid, "softmax-2d": softmax2d };
