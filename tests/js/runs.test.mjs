// app/pages/runs.js's API client: a busy server (503 with Retry-After, docs/server.md) is asked again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BUSY_TRIES, getAnswer, readBinaryAnswer, runOfLogits } from "../../src/softmaxlab/web/static/js/app/pages/runs.js";
import { fixture } from "./helpers.mjs";

function server(answers) {
  const asked = [];
  const fetcher = async (url) => {
    asked.push(url);
    const [status, retry, body] = answers[Math.min(asked.length - 1, answers.length - 1)];
    return { status, ok: status < 400, headers: { get: (h) => (h === "Retry-After" ? retry : null) }, json: async () => body };
  };
  return { fetcher, asked };
}

test("a 503 is asked again after its Retry-After, and the answer that follows is the result", async () => {
  const waits = [];
  const { fetcher, asked } = server([[503, "2", { error: "busy" }], [503, "3", { error: "busy" }], [200, null, { runs: [] }]]);
  const got = await getAnswer("/api/runs", { fetcher, sleep: async (ms) => waits.push(ms) });
  assert.deepEqual(got, { ok: true, status: 200, body: { runs: [] } });
  assert.deepEqual(waits, [2000, 3000]);
  assert.equal(asked.length, 3);
});

test("a server that stays busy is shown after BUSY_TRIES more asks; odd Retry-After values are bounded", async () => {
  const waits = [];
  const { fetcher, asked } = server([[503, "600", { error: "the server is busy" }], [503, "x", { error: "the server is busy" }]]);
  const got = await getAnswer("/api/runs/a", { fetcher, sleep: async (ms) => waits.push(ms) });
  assert.deepEqual(got, { ok: false, status: 503, body: { error: "the server is busy" } });
  assert.equal(asked.length, BUSY_TRIES + 1);
  assert.deepEqual(waits, [10000, ...Array(BUSY_TRIES - 1).fill(1000)]); // at most 10 s; unreadable: 1 s
});

test("other errors are not asked again, and a dead server is a message", async () => {
  const { fetcher, asked } = server([[404, null, { error: "run: there is no run called 'x'" }]]);
  const got = await getAnswer("/api/runs/x", { fetcher, sleep: async () => assert.fail("no wait for a 404") });
  assert.equal(got.status, 404);
  assert.equal(asked.length, 1);
  const dead = await getAnswer("/api/runs", { fetcher: async () => { throw new Error("connection refused"); } });
  assert.equal(dead.status, 0);
  assert.match(dead.body.error, /does not answer \(connection refused\)/);
});

test("a binary logits answer reads as the server's list answer of the same request (fixtures from the server's Api)", () => {
  for (const { binary, list } of fixture("api_answers")) {
    const bytes = Uint8Array.from(Buffer.from(binary, "base64"));
    const got = readBinaryAnswer(bytes.buffer);
    assert.ok(got.logits instanceof Float32Array);
    assert.deepEqual(Array.from(got.logits), list.logits);
    if (list.inputs === null) assert.equal(got.inputs, null);
    else assert.deepEqual(Array.from(got.inputs), list.inputs);
    const { logits, inputs, ...head } = got;
    const { logits: l, inputs: i, ...want } = list;
    assert.deepEqual(head, want);
    assert.equal(runOfLogits(got).logits, got.logits); // drawn as is, no copy
    assert.deepEqual(Array.from(runOfLogits(got).logits), Array.from(runOfLogits(list).logits));
  }
});

test("a broken binary answer is an error that says so", () => {
  assert.throws(() => readBinaryAnswer(new ArrayBuffer(2)), /too short/);
  const head = new TextEncoder().encode('{"shape":[2,2,2],"samples":[0,1],"input_dim":0}');
  const buffer = new ArrayBuffer(4 + 48 + 8);
  new DataView(buffer).setUint32(0, 48, true);
  new Uint8Array(buffer, 4).set(head.slice(0, 48));
  assert.throws(() => readBinaryAnswer(buffer), /./); // a head cut short is not JSON
  new DataView(buffer).setUint32(0, 4000, true);
  assert.throws(() => readBinaryAnswer(buffer), /does not fit/);
});
