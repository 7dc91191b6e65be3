// Every figure the browser draws, by its name in softmaxlab.figures.FIGURES (see softmaxlab/web/figures.py).
import * as sigmoid from "./sigmoid.js";

export const FIGURES = { sigmoid };
