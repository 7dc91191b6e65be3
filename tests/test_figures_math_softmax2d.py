"""softmax_2d: the numbers drawn are softmax's, checked against scipy by reading the figure's data."""

import re

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from softmaxlab.figures import softmax_2d


def trace(fig, uid):
    found = [t for t in fig.data if t.uid == uid]
    assert len(found) == 1, f"expected one trace {uid!r}, found {len(found)}"
    return found[0]


logit_lists = st.lists(st.floats(-8, 8, allow_nan=False), min_size=2, max_size=10)
temperatures = st.floats(0.05, 20)


@settings(max_examples=40, deadline=None)
@given(logits=logit_lists, temperature=temperatures)
def test_dots_are_exponentials_and_their_normalisation(logits, temperature):
    fig = softmax_2d(logits, temperature=temperature)
    z = np.asarray(logits)
    reference = scipy.special.softmax(z / temperature)
    heights = np.array([trace(fig, f"exp-{i}").y[0] for i in range(len(z))])
    dots = np.array([trace(fig, f"softmax-{i}").y[0] for i in range(len(z))])
    xs = np.array([trace(fig, f"softmax-{i}").x[0] for i in range(len(z))])
    np.testing.assert_allclose(heights, np.exp(z / temperature), rtol=1e-12)
    np.testing.assert_allclose(dots, reference, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(dots.sum(), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(xs, z)  # each dot sits at its logit
    # the stems go from the dot down to 0
    assert all(trace(fig, f"softmax-{i}").error_y.arrayminus[0] == dots[i] for i in range(len(z)))


def test_heights_past_float_range_are_shifted_and_say_so():
    fig = softmax_2d([1000.0, 999.0, 0.0])
    heights = np.array([trace(fig, f"exp-{i}").y[0] for i in range(3)])
    assert np.all(np.isfinite(heights))
    np.testing.assert_allclose(heights, np.exp(np.array([0.0, -1.0, -1000.0])))
    assert "1e+03" in fig.layout.yaxis.title.text
    dots = [trace(fig, f"softmax-{i}").y[0] for i in range(3)]
    np.testing.assert_allclose(dots, scipy.special.softmax([1000.0, 999.0, 0.0]))


def test_heights_below_float_range_are_shifted_too():
    fig = softmax_2d([-800.0, -900.0])
    heights = np.array([trace(fig, f"exp-{i}").y[0] for i in range(2)])
    np.testing.assert_allclose(heights, [1.0, np.exp(-100.0)])
    assert np.all(np.isfinite(trace(fig, "scaled-curve").y))
    np.testing.assert_allclose([trace(fig, f"softmax-{i}").y[0] for i in range(2)], scipy.special.softmax([-800.0, -900.0]))


@settings(max_examples=30, deadline=None)
@given(logits=logit_lists, temperature=temperatures, data=st.data())
def test_sweep_curves_are_softmax_and_pass_through_the_marked_point(logits, temperature, data):
    k = len(logits)
    s = data.draw(st.integers(0, k - 1))
    fig = softmax_2d(logits, temperature=temperature, sweep=s, sweep_range=(-5.0, 5.0))
    current = trace(fig, "current")
    z = np.asarray(logits, dtype=float)
    for i in range(k):
        curve = trace(fig, f"sweep-{i}")
        xs, ys = np.asarray(curve.x), np.asarray(curve.y)
        grid = np.repeat(z[None], len(xs), axis=0)
        grid[:, s] = xs
        np.testing.assert_allclose(ys, scipy.special.softmax(grid / temperature, axis=1)[:, i], rtol=1e-9, atol=1e-300)
        at = np.flatnonzero(xs == z[s])
        assert len(at) == 1, "the current value of the swept logit is on the curve"
        assert current.x[i] == z[s]
        np.testing.assert_allclose(current.y[i], ys[at[0]], rtol=1e-12)
    assert fig.layout.shapes[0].x0 == z[s]


def test_sweep_includes_a_current_value_outside_the_range():
    fig = softmax_2d([9.0, 0.0], sweep=0, sweep_range=(-1.0, 1.0))
    xs = np.asarray(trace(fig, "sweep-0").x)
    assert xs.max() == 9.0 and xs.min() == -1.0


@pytest.mark.parametrize("logits,temperature", [([2.0, 1.0, 0.1, -1.0], 1.0), ([0.0, 0.0, 0.0], 3.0), ([5.0, -5.0], 0.3)])
def test_entropy_and_effective_choices_in_the_note(logits, temperature):
    fig = softmax_2d(logits, temperature=temperature)
    text = fig.layout.annotations[0].text
    p = scipy.special.softmax(np.asarray(logits) / temperature)
    nats = scipy.stats.entropy(p)
    numbers = [float(v) for v in re.findall(r"= ([0-9.]+)", text)]
    assert numbers[0] == pytest.approx(nats, abs=6e-4)
    assert numbers[1] == pytest.approx(scipy.stats.entropy(p, base=2), abs=6e-4)
    assert numbers[2] == pytest.approx(np.exp(nats), abs=6e-3)


def test_uniform_logits_give_k_effective_choices():
    text = softmax_2d([1.0] * 6).layout.annotations[0].text
    assert "= 6.00 of 6" in text


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(logits=[1.0]), "logits"),
        (dict(logits=list(range(11))), "logits"),
        (dict(logits=[1.0, float("nan")]), "logits"),
        (dict(logits=[[1.0, 2.0]]), "logits"),
        (dict(temperature=0.0), "temperature"),
        (dict(temperature=-1.0), "temperature"),
        (dict(temperature=float("inf")), "temperature"),
        (dict(sweep=4), "sweep"),
        (dict(sweep=-1), "sweep"),
        (dict(sweep=1.5), "sweep"),
        (dict(sweep_range=(2.0, 1.0)), "sweep_range"),
        (dict(sweep_range=(0.0, float("inf"))), "sweep_range"),
    ],
)
def test_bad_options_raise_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        softmax_2d(**kwargs)
