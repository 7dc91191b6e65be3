"""Hugging Face adapter: `SoftmaxlabTrainerCallback` records a `transformers.Trainer` model's logits.

Importable only where transformers is installed (`pip install transformers`).
"""

try:
    from transformers import TrainerCallback
except ImportError as e:
    raise ImportError("softmaxlab.record.huggingface needs Hugging Face transformers: pip install transformers "
                      "(or use softmaxlab.record.LogitRecorder in a plain PyTorch loop)") from e

from softmaxlab.record.distributed import current_rank
from softmaxlab.record.recorder import LogitRecorder


class SoftmaxlabTrainerCallback(TrainerCallback):
    """Record the model's logits on a probe set every `every` optimizer steps while `Trainer.train` runs.

    The recorder is made when training begins (on every process of a multi-process launch
    such as `accelerate launch`, each recording its own share of the probe into the one run;
    else on the main process) and records
    `state.global_step`: the starting step first, every multiple of `every`, and the last
    step when training ends. The probe may be a mapping of tensors passed as keyword
    arguments (`{"input_ids": ..., "attention_mask": ...}`); the model's output `.logits`
    `(N, K)` is recorded. If training raises, Trainer calls no callback: the records
    flushed so far (at most `flush_seconds` old) stay on disk, the run `complete=False`.

    Args:
        probe_inputs, probe_labels, every, out, and any other keyword option: as for
            `LogitRecorder`, which checks them when training begins.

    >>> trainer = Trainer(model, args, train_dataset=data,  # doctest: +SKIP
    ...                   callbacks=[SoftmaxlabTrainerCallback(probe, labels, out="runs/mine")])
    """

    def __init__(self, probe_inputs, probe_labels, *, every=10, out=None, **options):
        self.probe_inputs = probe_inputs
        self.probe_labels = probe_labels
        self.options = dict(options, every=every, out=out)
        self.recorder = None
        self._seen = 0

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        # under a multi-process launch (accelerate, torchrun) every process records its own share
        if model is None or (not state.is_world_process_zero and current_rank() is None):
            return
        self.recorder = LogitRecorder(model, self.probe_inputs, self.probe_labels,
                                      start_step=state.global_step, **self.options)
        self._seen = state.global_step

    def on_step_end(self, args, state, control, **kwargs):
        if self.recorder is None:
            return
        while self._seen < state.global_step:
            self._seen += 1
            self.recorder.step()

    def on_train_end(self, args, state, control, **kwargs):
        if self.recorder is not None:
            self.recorder.close()
