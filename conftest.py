"""Collection rules for the doctests in src/ and README.md."""

import importlib.util
import os

import pytest

collect_ignore = ["src/softmaxlab/__main__.py", "benchmarks", "examples", "scripts"]

# adapters for optional frameworks are collected only when the framework is installed
for module, path in [
    ("lightning", "src/softmaxlab/record/lightning.py"),
    ("transformers", "src/softmaxlab/record/huggingface.py"),
]:
    if importlib.util.find_spec(module) is None:
        collect_ignore.append(path)

# In CI, property tests draw the same examples on every run, so a landing never hangs on a new
# random draw; locally they explore fresh examples each time (and found real underflow bugs so).
try:
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")
except ImportError:  # hypothesis comes with the test extra
    pass


@pytest.fixture(autouse=True)
def _temporary_folders_inside_tmp_path(tmp_path_factory, monkeypatch):
    """`tempfile.mkdtemp()` in a doctest (or a test) makes its folder under pytest's temporary root, which
    pytest removes (`tmp_path_retention_policy`), so a run of the suite leaves no folders behind in /tmp."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tempfile", numbered=True)))
