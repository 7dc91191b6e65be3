"""A module imported on its first use: the lab's registries name JAX functions without importing JAX.

`Experiment` and the registries' names and help are read by every command's help and by the site build;
JAX and optax take ~1.3 s to import, so the modules that hold the registries bind them lazily.
"""

import importlib


class LazyModule:
    """Stands for the module `name` and imports it when an attribute is first asked for."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute):
        module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self):
        return f"<lazy module {self._name!r}>"
