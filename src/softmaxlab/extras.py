"""The optional parts of the install, and the one line that says how to add a missing one.

`pip install softmaxlab` is what `softmaxlab serve` and `softmaxlab site` need: the core, runs, the
readings, the figures and their HTML/PNG/GIF export. The rest are extras of pyproject.toml, each named
here once with the modules it brings, and checked at the edge of the feature that needs it (the CLI
command, `softmaxlab.train`, MP4 export, `softmaxlab.record`) before any work starts:

>>> missing_extra_message("lab", "softmaxlab train", missing=["jax"])
'softmaxlab train needs JAX: pip install "softmaxlab[lab]"'

`pip install "softmaxlab[lab]"` also works for a clone installed with `pip install -e .`: pip sees the
installed softmaxlab and adds only the extra's packages.
"""

import importlib.util

__all__ = ["EXTRAS", "MissingExtraError", "missing_extra_message", "missing_modules", "require_extra"]

# extra -> {module it provides: the name a person knows it by}; pyproject.toml's optional-dependencies
# holds the same extras (tests/test_install.py checks the two agree)
EXTRAS = {
    "lab": {"jax": "JAX", "optax": "optax"},
    "mp4": {"imageio_ffmpeg": "imageio-ffmpeg"},
    "torch": {"torch": "PyTorch"},
}


class MissingExtraError(ImportError):
    """A feature was asked for whose extra is not installed; the message is the one line naming the fix."""


def missing_modules(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here (found without importing them)."""
    return [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]


def missing_extra_message(extra: str, feature: str, *, missing) -> str:
    """``'{feature} needs {what is missing}: pip install "softmaxlab[{extra}]"'``."""
    names = [EXTRAS[extra][module] for module in missing]
    return f'{feature} needs {" and ".join(names)}: pip install "softmaxlab[{extra}]"'


def require_extra(extra: str, feature: str) -> None:
    """Raise `MissingExtraError` (an ImportError) naming the pip install unless `extra` is installed.

    Args:
        extra: a key of `EXTRAS`.
        feature: what was asked for, as the person asked for it ("softmaxlab train", "MP4 export").
    """
    missing = missing_modules(extra)
    if missing:
        raise MissingExtraError(missing_extra_message(extra, feature, missing=missing))
