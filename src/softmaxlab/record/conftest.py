"""pytest: the adapters' modules import their framework, so collect their doctests only where it is installed."""

import importlib.util

collect_ignore = [module for module, packages in (("lightning.py", ("lightning", "pytorch_lightning")),
                                                  ("huggingface.py", ("transformers",)))
                  if not any(importlib.util.find_spec(p) for p in packages)]
