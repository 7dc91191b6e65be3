"""The web front end: pages that compute in the browser, built into a static site by `softmaxlab site`.

`static/js/kernel/` mirrors `softmaxlab.core` (no DOM), `static/js/figures/` refreshes the skeletons of
the Python figure builders (`figures.py` here says which), and `build.py` writes the site.
"""


def experiment_query(config) -> str | None:
    """The URL query of the experiment a lab run's `config` holds (for the Logit paths page), or None.

    None when `config` is not an experiment this softmaxlab knows (a newer field, a bad value).
    Imports the lab's settings only (no JAX).
    """
    from softmaxlab.lab import Experiment

    try:
        return Experiment.from_dict(config).to_query()
    except (TypeError, ValueError):
        return None
