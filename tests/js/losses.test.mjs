// kernel/losses.js against softmaxlab.core.LOSSES: values and gradients, ties and huge logits included.
import { test } from "node:test";
import { fixture, allClose, close } from "./helpers.mjs";
import { LOSSES } from "../../src/softmaxlab/web/static/js/kernel/index.js";

test("every loss and its gradient equal the core's", () => {
  for (const c of fixture("losses")) {
    const where = `${c.loss} ${JSON.stringify(c.options)} z=${c.z} y=${c.y}`;
    close(LOSSES[c.loss].value(c.z, c.y, c.options), c.value, 1e-12, `${where} value`);
    allClose(LOSSES[c.loss].grad(c.z, c.y, c.options), c.grad, 1e-12, `${where} grad`);
  }
});
