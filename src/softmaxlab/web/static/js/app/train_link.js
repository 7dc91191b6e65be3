// softmaxlab.train(query): train the experiment of a link (the Logit paths page's query, or Python's
// Experiment.to_query()) in this tab or in node, by the rules Python reads links with (app/experiment.js), within
// the browser's limits. In a page of the site the Experiment spec is the page's data; in node pass {spec}
// (Python's Experiment.spec_json()).
import { train as trainExperiment } from "../lab/train.js";
import { browserErrors, fromQuery } from "./experiment.js";

/**
 * Resolves to {logits: Float32Array, shape: [records, samples, classes], steps, loss, accuracy, ms} (and the
 * features and weights when the link records them). `link` is a query ("optimizer=adam&steps=100", with or
 * without "?") or an experiment object with defaults applied; every problem of the link is in one Error.
 */
export async function train(link, { spec, ...options } = {}) {
  if (typeof link !== "string") return trainExperiment(link, options);
  spec = spec ?? globalThis.SOFTMAXLAB_DATA?.paths?.experiment;
  if (!spec) {
    throw new Error("train: reading a link needs the Experiment spec: call it in a page of the site, or pass " +
                    "{spec} (Python's Experiment.spec_json())");
  }
  const { values, errors } = fromQuery(spec, link);
  const problems = errors.length ? errors : browserErrors(spec, values);
  if (problems.length) throw new Error(`train: ${problems.join("; ")}`);
  return trainExperiment(values, options);
}
