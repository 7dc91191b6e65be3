"""PyTorch Lightning adapter: `SoftmaxlabCallback` records a LightningModule with `LogitRecorder`.

Importable only where Lightning is installed (`pip install lightning`; the older
`pytorch_lightning` package works too).
"""

try:
    import lightning.pytorch as pl
except ImportError:
    try:
        import pytorch_lightning as pl
    except ImportError as e:
        raise ImportError("softmaxlab.record.lightning needs PyTorch Lightning: pip install lightning "
                          "(or use softmaxlab.record.LogitRecorder in a plain PyTorch loop)") from e

from softmaxlab.record.distributed import current_rank
from softmaxlab.record.recorder import LogitRecorder


class SoftmaxlabCallback(pl.Callback):
    """Record the module's logits on a probe set every `every` optimizer steps while `Trainer.fit` runs.

    The recorder is made when fitting starts (after Lightning has moved the module to
    its device) and records `trainer.global_step`:
    step 0 (or the resumed step) first, then every multiple of `every`, then the last
    step when fitting ends. An exception during fitting keeps what was recorded and
    leaves the run `complete=False`. The module's `forward(probe batch)` must return the
    logits `(N, K)`. Under a distributed strategy (`strategy="ddp"`) every process makes
    a recorder, and each records its own share of the probe into the one run (see
    `LogitRecorder`); otherwise only the global-zero process records.

    Args:
        probe_inputs, probe_labels, every, out, and any other keyword option: as for
            `LogitRecorder`, which checks them when fitting starts.

    >>> import lightning.pytorch as pl  # doctest: +SKIP
    >>> trainer = pl.Trainer(callbacks=[SoftmaxlabCallback(x_val, y_val, out="runs/mine")])  # doctest: +SKIP
    """

    def __init__(self, probe_inputs, probe_labels, *, every=10, out=None, **options):
        super().__init__()
        self.probe_inputs = probe_inputs
        self.probe_labels = probe_labels
        self.options = dict(options, every=every, out=out)
        self.recorder = None
        self._seen = 0

    def on_fit_start(self, trainer, pl_module):
        # under strategy="ddp" every rank records its own share of the probe into the one run
        if not trainer.is_global_zero and current_rank() is None:
            return
        self.recorder = LogitRecorder(pl_module, self.probe_inputs, self.probe_labels,
                                      start_step=trainer.global_step, **self.options)
        self._seen = trainer.global_step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if self.recorder is None:
            return
        # global_step counts optimizer steps, so gradient accumulation records the right steps
        while self._seen < trainer.global_step:
            self._seen += 1
            self.recorder.step()

    def on_fit_end(self, trainer, pl_module):
        if self.recorder is not None:
            self.recorder.close()

    def on_exception(self, trainer, pl_module, exception):
        if self.recorder is not None:
            self.recorder.close(complete=False)
