"""The server's bounds, in process: the byte-bounded cache, the heavy-work gate, one read per run at a time."""

import threading
import time

import pytest

from softmaxlab.server.runs import Busy, ByteLRU, HeavyGate, SingleFlight, check_name


def test_the_cache_is_bounded_in_bytes_not_entries():
    cache = ByteLRU(100)
    for i in range(10):
        cache.put(i, f"value {i}", 30)
    assert cache.used <= 100 and len(cache) == 3
    assert cache.get(9) == "value 9" and cache.get(0) is None  # the oldest went first
    cache.get(7)  # used: 7 is now the most recent
    cache.put("new", "x", 30)
    assert cache.get(7) == "value 7" and cache.get(8) is None
    cache.put("huge", "y" * 10, 101)  # bigger than the whole budget: not kept
    assert cache.get("huge") is None and cache.used <= 100
    cache.drop(lambda k: k == 7)
    assert cache.get(7) is None


def test_the_gate_refuses_at_once_when_too_many_wait():
    gate = HeavyGate(slots=2, waiting=2, timeout=5)
    gate.enter()
    gate.enter()
    with pytest.raises(Busy):
        gate.enter()
    gate.leave()
    gate.enter()  # room again


def test_a_big_job_takes_every_slot():
    gate = HeavyGate(slots=2, waiting=8, timeout=5)
    order = []
    with gate.hold(1):
        def big():
            with gate.hold(2):
                order.append("big")

        thread = threading.Thread(target=big)
        thread.start()
        time.sleep(0.2)
        assert order == []  # it waits for the small job's slot too
        order.append("small done")
    thread.join(5)
    assert order == ["small done", "big"]


def test_a_gate_that_stays_full_says_busy_after_its_timeout():
    gate = HeavyGate(slots=1, waiting=8, timeout=0.2)
    with gate.hold(1):
        with pytest.raises(Busy):
            with gate.hold(1):
                pass


def test_one_read_per_key_at_a_time():
    flights, calls, results = SingleFlight(), [], []
    release = threading.Event()

    def make():
        calls.append(1)
        release.wait(5)
        return "run"

    threads = [threading.Thread(target=lambda: results.append(flights.do("a", make))) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    release.set()
    for t in threads:
        t.join(5)
    assert results == ["run"] * 8 and len(calls) == 1


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "a/b", "a\\b", "a\x00b", "x..y", "", "a" * 201, "tab\there"])
def test_names_that_cannot_be_a_run(name):
    with pytest.raises(ValueError, match="^run: "):
        check_name(name)


@pytest.mark.parametrize("name", ["2026-12-02T12:30", "sgd", "a.b", "run 1", "é", "a" * 200])
def test_names_of_runs(name):
    assert check_name(name) == name


def test_a_long_run_s_per_record_figures_are_drawn_at_500_records_and_say_so():
    import numpy as np

    from softmaxlab.server.api import make_figure
    from softmaxlab.store import Run

    rng = np.random.default_rng(0)
    run = Run(logits=rng.normal(size=(1001, 6, 3)), steps=np.arange(1001) * 2, labels=[0, 1, 2, 0, 1, 2])
    fig = make_figure(run, "readings", "long")
    loss = next(t for t in fig.data if t.uid == "loss-0")
    expected = [int(round(x)) * 2 for x in np.linspace(0, 1000, 500)]  # evenly spaced steps, ends kept
    assert list(loss.x) == expected and loss.x[0] == 0 and loss.x[-1] == 2000
    np.testing.assert_allclose(loss.y, run.loss[np.asarray(expected) // 2])
    assert fig.layout.meta["softmaxlab"]["decimated"] == "500 of 1001 records (evenly spaced)"
    assert "500 of 1001 records" in fig.layout.title.text
    data_map = make_figure(run, "data-map", "long")  # a statistic over every record: all of them
    assert not (data_map.layout.meta or {}).get("softmaxlab", {}).get("decimated")


def test_a_big_run_s_data_map_draws_max_map_samples_dots_and_counts_every_sample():
    import numpy as np

    from softmaxlab.analysis import cartography
    from softmaxlab.server.api import MAX_MAP_SAMPLES, make_figure
    from softmaxlab.store import Run

    n = MAX_MAP_SAMPLES + 500
    rng = np.random.default_rng(1)
    run = Run(logits=rng.normal(size=(4, n, 3)).astype(np.float32), steps=np.arange(4), labels=np.arange(n) % 3)
    fig = make_figure(run, "data-map", "big")
    dots = next(t for t in fig.data if t.uid == "samples")
    index = np.asarray(dots.customdata)[:, 0].astype(int)
    assert len(dots.x) == MAX_MAP_SAMPLES == np.unique(index).size
    carto = cartography(run)
    np.testing.assert_allclose(dots.y, carto.confidence[index], rtol=1e-6)
    assert f"{MAX_MAP_SAMPLES:,} of {n:,} samples drawn" in fig.layout.title.text.replace("<br>", " ")
    assert sum(int(a.text.rsplit("(", 1)[1].rstrip(")")) for a in fig.layout.annotations) == n
