// The browser's second home of softmaxlab.core: every module of the kernel, one import for the pages.
export * from "./softmax.js";
export * from "./geometry.js";
export * from "./losses.js";
export * from "./random.js";
export * from "./sampling.js";
