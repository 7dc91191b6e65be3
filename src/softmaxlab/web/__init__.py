"""The web front end: pages that compute in the browser, built into a static site by `softmaxlab site`.

`static/js/kernel/` mirrors `softmaxlab.core` (no DOM), `static/js/figures/` refreshes the skeletons of
the Python figure builders (`figures.py` here says which), and `build.py` writes the site.
"""
