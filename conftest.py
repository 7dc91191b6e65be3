"""Collection rules for the doctests in src/ and README.md."""

import importlib.util

collect_ignore = ["src/softmaxlab/__main__.py", "benchmarks", "examples", "scripts"]

# adapters for optional frameworks are collected only when the framework is installed
for module, path in [
    ("lightning", "src/softmaxlab/record/lightning.py"),
    ("transformers", "src/softmaxlab/record/huggingface.py"),
]:
    if importlib.util.find_spec(module) is None:
        collect_ignore.append(path)
