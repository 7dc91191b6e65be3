// The bundle's entry (web/bundle.py): what the pages and the page's console see as `softmaxlab`.
import * as kernel from "./kernel/index.js";
import { FIGURES } from "./figures/index.js";
import { start } from "./app/main.js";
import { format } from "./format.js";
import { showFigure } from "./app/update.js";
import { train } from "./app/train_link.js";

export { kernel, FIGURES as figures, start, format, showFigure, train };
