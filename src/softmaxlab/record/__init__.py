"""Record a user's own PyTorch training: the logits of a fixed probe set, every few steps, into a run.

- `LogitRecorder(model, probe_inputs, probe_labels, *, every=10, out=..., features=None)`: call
  `step()` after each optimizer step; the run is readable while training goes on. Under
  torch.distributed (DDP, torchrun) every rank makes the same recorder and records its own
  share of the probe into the one run (`softmaxlab.record.distributed`).
- Adapters, importable when their package is installed:
  `softmaxlab.record.lightning.SoftmaxlabCallback` (PyTorch Lightning) and
  `softmaxlab.record.huggingface.SoftmaxlabTrainerCallback` (transformers.Trainer).

PyTorch is an optional dependency: `pip install "softmaxlab[torch]"`.
"""

from softmaxlab.extras import require_extra

require_extra("torch", "softmaxlab.record")  # fail here, with the fix, rather than deep inside

from softmaxlab.record.recorder import LogitRecorder  # noqa: E402

__all__ = ["LogitRecorder"]
