"""`softmaxlab export`, in-process: every figure by its defaults, flags reaching the builders, one-line errors."""

import importlib

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.special import softmax as scipy_softmax

from softmaxlab.cli import main
from softmaxlab.cli.export_cmd import _figure_command
from softmaxlab.figures.registry import FIGURES, KINDS
from softmaxlab.store import Run, load_run


def invoke(*args):
    return CliRunner().invoke(main, ["export", *args])


@pytest.fixture
def captured(monkeypatch):
    """The figures the command exports, caught on their way to the real `export`."""
    figures = []
    # the module, not the function `softmaxlab.figures.export` that shadows its name in the package
    export_module = importlib.import_module("softmaxlab.figures.export")
    real = export_module.export

    def spy(fig, path, **kw):
        figures.append(fig)
        return real(fig, path, **kw)

    monkeypatch.setattr(export_module, "export", spy)
    return figures


def one_line_error(result):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_list_prints_one_line_per_figure_name_first():
    result = invoke("--list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(FIGURES)
    for line, spec in zip(lines, FIGURES.values()):
        assert line.split(None, 1)[1] == spec.description


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_exports_with_its_defaults_alone(tmp_path, name):
    out = tmp_path / f"{name}.html"
    result = invoke(name, "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    ok = page.startswith("<html>") or page.lower().startswith("<!doctype html>")
    assert ok and "Plotly.newPlot" in page and out.stat().st_size > 3_000_000  # plotly.js inlined


def test_registry_options_are_documented_and_flags_unique():
    for spec in FIGURES.values():
        command = _figure_command(spec)  # raises if two options share a flag
        flags = {opt for p in command.params for opt in p.opts}
        for param in spec.params():
            assert param.kind in KINDS and param.help.strip(), (spec.name, param.name)
            assert param.cli_flag in flags
        assert "--out" in flags and ("--run" in flags) == (spec.data != "none")


def test_flags_reach_the_builder(tmp_path, captured):
    result = invoke("softmax-2d", "--temperature", "0.5", "--logits", "2,1,0.1", "--out", str(tmp_path / "s.html"))
    assert result.exit_code == 0, result.output
    (fig,) = captured
    dots = [float(t.y[0]) for t in fig.data if t.uid.startswith("softmax-")]
    np.testing.assert_allclose(dots, scipy_softmax(np.array([2.0, 1.0, 0.1]) / 0.5), rtol=1e-12)

    result = invoke("surfaces-2", "--derivatives", "--entries", "0:1", "--marker", "1,-1", "--out",
                    str(tmp_path / "d.html"))
    assert result.exit_code == 0, result.output
    uids = {t.uid for t in captured[-1].data}
    assert "dp0-dz1" in uids and "marker" in uids


def test_paths_of_saved_runs_side_by_side(tmp_path, captured):
    rng = np.random.default_rng(0)
    runs = []
    for name in ("sgd", "adam"):
        z = np.cumsum(rng.normal(size=(15, 9, 3)), axis=0)  # (records, samples, classes)
        runs.append(Run(logits=z, steps=np.arange(15), labels=np.arange(9) % 3).save(tmp_path / name))
    out = tmp_path / "paths.html"
    result = invoke("logit-paths", "--run", str(tmp_path / "sgd"), "--run", str(tmp_path / "adam"), "--step", "7",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    (fig,) = captured
    assert fig.layout.meta["softmaxlab"]["linked_scenes"] == ["scene", "scene2"]
    adam = load_run(tmp_path / "adam")
    members = np.flatnonzero(adam.labels == 2)
    end = next(t for t in fig.data if t.uid == "end-1-2")
    np.testing.assert_allclose(np.column_stack([end.x, end.y, end.z]), adam.logits[-1, members], rtol=1e-6)
    assert [a.text for a in fig.layout.annotations][:2] == ["<b>sgd</b>", "<b>adam</b>"]


def test_run_figures_train_the_experiment_of_the_flags(tmp_path, captured):
    from softmaxlab.lab import Experiment, train

    result = invoke("readings", "--optimizer", "adam", "--steps", "25", "--seed", "3", "--out",
                    str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.output
    reference = train(Experiment(optimizer="adam", steps=25, seed=3))
    loss = next(t for t in captured[0].data if t.uid == "loss-0")
    np.testing.assert_allclose(loss.y, reference.loss, rtol=1e-6)
    np.testing.assert_array_equal(loss.x, reference.steps)


@pytest.mark.parametrize(
    "args, words",
    [
        (["no-such-figure", "--out", "x.html"], "unknown figure"),
        (["softmax-2d", "--no-such-flag", "1", "--out", "x.html"], "--no-such-flag"),
        (["softmax-2d", "--logits", "2,a", "--out", "x.html"], "--logits"),
        (["softmax-2d", "--temperature", "-1", "--out", "x.html"], "temperature"),
        (["softmax-2d", "--out", "x.pdf"], ".html"),
        (["softmax-2d", "--out", "x.gif"], "animated"),
        (["logit-paths", "--projection", "tsne", "--out", "x.html"], "--projection"),
        (["logit-paths", "--run", "no/such/run", "--out", "x.html"], "no/such/run"),
        (["logit-paths", "--run", "no/such/run", "--optimizer", "adam", "--out", "x.html"], "not both"),
        (["logit-paths", "--steps", "5", "--step", "99", "--out", "x.gif"], "--step"),
        (["softmax-2d"], "--out"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(invoke(*args))
    assert words in line
    assert not any(tmp_path.iterdir())  # nothing half-written


@pytest.mark.slow
@pytest.mark.usefixtures("needs_browser")
def test_gif_of_a_trained_experiment(tmp_path):
    import imageio.v3 as iio

    out = tmp_path / "paths.gif"
    result = invoke("logit-paths", "--steps", "20", "--max-frames", "2", "--no-show-inputs", "--width", "320",
                    "--height", "320", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert iio.imread(out, index=None).shape[:3] == (2, 320, 320)


@pytest.fixture
def no_browser(monkeypatch, tmp_path):
    """A machine without Chromium: no BROWSER_PATH, no system chromium, nothing on PATH."""
    export_module = importlib.import_module("softmaxlab.figures.export")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(export_module, "_SYSTEM_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.fixture
def no_training(monkeypatch):
    import softmaxlab.lab as lab

    def forbidden(*args, **kwargs):
        raise AssertionError("trained before finding out that the export cannot be rendered")

    monkeypatch.setattr(lab, "train", forbidden)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".gif", ".mp4"])
def test_no_browser_is_one_line_saying_how_to_get_one(tmp_path, no_browser, no_training, suffix):
    name = "logit-paths" if suffix in (".gif", ".mp4") else "softmax-2d"
    line = one_line_error(invoke(name, "--out", str(tmp_path / f"x{suffix}")))
    assert "Chromium" in line and "apt-get install chromium" in line and "BROWSER_PATH" in line
    assert not (tmp_path / f"x{suffix}").exists()


def test_a_browser_path_that_is_not_a_program_is_named(tmp_path, monkeypatch, no_training):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "chrome"))
    line = one_line_error(invoke("logit-paths", "--out", str(tmp_path / "x.png")))
    assert f"BROWSER_PATH={tmp_path / 'chrome'} is not a program" in line


def test_html_needs_no_browser(tmp_path, no_browser):
    assert invoke("softmax-2d", "--out", str(tmp_path / "x.html")).exit_code == 0


@pytest.mark.slow
@pytest.mark.usefixtures("needs_browser")
def test_mp4_after_training_starts_the_encoder_without_a_fork_warning(tmp_path):
    """A real process: training starts JAX's threads, then ffmpeg starts; JAX warns on any os.fork()."""
    import subprocess
    import sys

    from tests.conftest import decode_mp4

    out = tmp_path / "small.mp4"
    done = subprocess.run([sys.executable, "-m", "softmaxlab", "export", "logit-paths", "--steps", "20",
                           "--max-frames", "2", "--no-show-inputs", "--width", "320", "--height", "320",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "fork" not in done.stderr and "Warning" not in done.stderr, done.stderr
    frames = decode_mp4(out)
    assert frames.shape == (2, 320, 320, 3)
    assert not np.array_equal(frames[0], frames[1])  # the diamonds moved


def test_an_unknown_figure_near_a_name_suggests_it_and_the_list():
    line = one_line_error(invoke("softmax", "--out", "x.html"))
    assert "did you mean 'softmax-2d'?" in line and "softmaxlab export --list" in line


@pytest.mark.parametrize("logits", [["2", "1", "0.1"], ["2,1,0.1"], ["2,", "1,", "0.1"]])
def test_lists_take_spaces_as_well_as_commas(tmp_path, captured, logits):
    result = invoke("softmax-2d", "--logits", *logits, "--temperature", "0.5", "--out", str(tmp_path / "s.html"))
    assert result.exit_code == 0, result.output
    dots = [float(t.y[0]) for t in captured[-1].data if t.uid.startswith("softmax-")]
    np.testing.assert_allclose(dots, scipy_softmax(np.array([2.0, 1.0, 0.1]) / 0.5), rtol=1e-12)


def test_negative_values_and_pairs_in_space_separated_lists(tmp_path, captured):
    result = invoke("surfaces-2", "--derivatives", "--entries", "0:1", "1:1", "--marker", "1", "-1",
                    "--out", str(tmp_path / "d.html"))
    assert result.exit_code == 0, result.output
    uids = {t.uid for t in captured[-1].data}
    assert {"dp0-dz1", "dp1-dz1", "marker"} <= uids
    marker = next(t for t in captured[-1].data if t.uid == "marker")
    assert (float(marker.x[0]), float(marker.y[0])) == (1.0, -1.0)


def test_figure_help_speaks_flags_not_python():
    for name in FIGURES:
        text = invoke(name, "--help").output
        for python in ("`(K,)`", "None:", "or None", ":func:", "(int >= 1)"):
            assert python not in text, (name, python)


def test_options_are_read_by_the_state_spec_as_a_pages_link_is():
    from softmaxlab.figures.registry import parse_value
    from softmaxlab.spec import Control, from_search

    assert parse_value("floats", " 2, 1,,0.1") == (2.0, 1.0, 0.1)
    assert parse_value("ints", "0,1,2") == (0, 1, 2) and parse_value("pairs", "0:0, 0:1") == ((0, 0), (0, 1))
    assert parse_value("bool", "off") is False and parse_value("strs", "a, b") == ("a", "b")
    # the same words for the same bad number, whether it came in a link or on the command line
    [in_a_link] = from_search((Control("temperature", "float", 1.0),), "?temperature=nan")[1]
    with pytest.raises(ValueError) as flag:
        parse_value("float", "nan", name="temperature")
    assert str(flag.value) == in_a_link == "temperature: 'nan' is not a finite number"
    with pytest.raises(ValueError, match=r"^--logits: '1e999' is not a finite number \(give numbers separated"):
        parse_value("floats", "2,1e999", name="--logits")
    # -inf only where a control is masked (softmaxlab softmax's logits), and never +inf or NaN
    masked = Control("z", "float", None, masked=True, minimum=-8.0)
    assert masked.coerce("-inf") == -np.inf and masked.coerce("-8") == -8.0
    for bad in ("inf", "nan", "-9"):
        with pytest.raises(ValueError, match="^z: "):
            masked.coerce(bad)


@pytest.mark.parametrize("args, words", [
    (["softmax-2d", "--logits", "2,1,-inf"], "--logits: '-inf' is not a finite number"),  # no builder takes one
    (["softmax-2d", "--temperature", "nan"], "--temperature: 'nan' is not a finite number"),
    (["surfaces-2", "--derivatives", "--entries", "3"], "--entries must be index pairs i:j"),  # the builder saw ((3,),)
    (["surfaces-2", "--entries", "0:a"], "--entries: 'a' is not a number (give index pairs i:j"),
])
def test_bad_option_values_are_refused_at_the_flag(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(invoke(*args, "--out", "x.html"))
    assert words in line
    assert not any(tmp_path.iterdir())
