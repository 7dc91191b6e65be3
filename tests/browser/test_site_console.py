"""`softmaxlab.train(query)` in a page's console, on the static site in a real chromium: the link's run, as
`softmaxlab.lab.train` trains it from the same link (issue 12: a module that works without the page)."""

from __future__ import annotations

import numpy as np
import pytest

from softmaxlab.lab import Experiment, train
from tests.browser.test_site import open_tab

TRAIN = """async (query) => { const r = await softmaxlab.train(query);
  return {logits: Array.from(r.logits), shape: r.shape, steps: Array.from(r.steps), loss: Array.from(r.loss),
          ms: r.ms, isFloat32: r.logits instanceof Float32Array}; }"""
FAILS = "async (query) => { try { await softmaxlab.train(query); return null; } catch (e) { return e.message; } }"


@pytest.fixture(scope="module")
def page(browser, base_url):
    tab = open_tab(browser, base_url, width=1280, height=800)
    tab.goto(base_url + "softmax/")  # any page: the bundle and the data are the same
    tab.wait_for_function("() => window.softmaxlab && window.softmaxlab.train")
    yield tab
    tab.context.close()


def test_train_of_a_link_in_the_console_is_the_python_labs_run(page):
    query = "optimizer=adam&init=default&steps=60&record_every=5"
    got = page.evaluate(TRAIN, query)
    run = train(Experiment.from_query(query))
    assert got["isFloat32"] and got["shape"] == list(run.logits.shape)
    assert got["steps"] == run.steps.tolist()
    logits = np.array(got["logits"], np.float32).reshape(got["shape"])
    assert np.max(np.abs(logits - run.logits)) <= 1e-4 * np.max(np.abs(run.logits))
    np.testing.assert_allclose(got["loss"], run.loss, rtol=1e-4)
    assert got["ms"] > 0 and page.errors == []


def test_a_bad_link_in_the_console_is_one_error_with_every_problem(page):
    message = page.evaluate(FAILS, "steps=lots&optimizer=adamm")
    _, errors = Experiment.read_query("steps=lots&optimizer=adamm")
    assert len(errors) == 2 and all(e in message for e in errors), message
    too_big = page.evaluate(FAILS, "steps=100000")
    assert "softmaxlab train" in too_big and "steps" in too_big, too_big
