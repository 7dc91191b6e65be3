"""`LogitRecorder`: record a user's own PyTorch model's logits on a fixed probe set while it trains.

Every `every` optimizer steps the recorder runs the model on the probe set (eval mode,
no gradients), keeps the logits `z` `(samples, classes)` on the model's device, and
appends them to a run on disk (`softmaxlab.store.RunWriter`) in blocks: one host copy
and one store append per block, at least every `flush_seconds` of wall time. A run
being written is readable at any moment (`softmaxlab serve --logdir runs` shows it),
and a killed training loses at most the records of the last `flush_seconds`.
"""

import math
import numbers
import time
from pathlib import Path

import numpy as np
import torch

from softmaxlab.record import distributed
from softmaxlab.record.appender import BackgroundAppender
from softmaxlab.record.probe import ProbeSet, find_module, logits_of
from softmaxlab.store import RunWriter
from softmaxlab.store.ranks import split_samples

# flush before `flush_seconds` when the buffered records take this much (device) memory
MAX_BUFFER_BYTES = 64 << 20
# records per block buffer at most (a block is flushed early when its buffer is full)
MAX_BLOCK_RECORDS = 256
# written block buffers kept for reuse (CPU): one to fill while the worker writes another
MAX_SPARE_BUFFERS = 2


def _default_out(model):
    return Path("runs") / f"{type(model).__name__.lower()}-{time.strftime('%Y%m%d-%H%M%S')}"


class LogitRecorder:
    """Record the logits `z = model(x)` of a fixed probe set every `every` optimizer steps.

    Which steps are recorded: making the recorder records step 0 (the model before
    training). Call `step()` once after each optimizer step; after the n-th call the
    model has taken n steps, and it is recorded as step n when n is a multiple of
    `every`. `close()` (or leaving the `with` block) also records the last step if it
    was not a multiple of `every`. So with `every=10` and 25 calls: steps 0, 10, 20, 25.

    Each record runs the model on the probe set under `torch.no_grad()` in eval mode
    (dropout off, batch norm on running statistics), then gives every module back its
    own train/eval flag. The run is marked complete on `close()`; if the `with` block
    raises, what was recorded is flushed and kept, and the run stays `complete=False`.

    Inside a torch.distributed process group (`torch.distributed.is_initialized()`, more
    than one process) every rank makes the same recorder, with the same full probe set and
    the same `out`, as it would on one machine (`model` may be the DDP-wrapped module; its
    inner module runs the probe, so no collective runs). Rank r runs the model on its own
    contiguous share of the N samples and writes only its own part of the one run at `out`
    (rank 0 also writes the shared parts and the classifier's weights); `load_run(out)` has
    all N samples in probe order (`softmaxlab.store.ranks`). The ranks check once, at
    construction, through the process group's store, that they agree (probe size and labels,
    `every`, `start_step`, shapes, `out`, `overwrite`); a rank whose recorder cannot be made
    makes every other rank's constructor raise at once, naming it and why, and a rank that
    makes none is waited for at most `distributed.AGREE_SECONDS`. Recording never waits for
    another rank. The folder must be on a filesystem every rank sees.

    Args:
        model: a `torch.nn.Module` whose output is `(N, K)` logits (or has `.logits`).
            Its device (of its first parameter, looked up at every record) runs the probe.
        probe_inputs: tensor or NumPy array `(N, ...)`, a mapping of them (keyword
            inputs), or a DataLoader/list of batches in a fixed order (see `probe`).
        probe_labels: `(N,)` integer classes, or None to read them from the batches.
        every: record every `every`-th step (>= 1).
        out: the run's folder; default `runs/<model class>-<date-time>`.
        features: name of a module (as in `model.named_modules()`, e.g. "net.3") whose
            output, flattened to `(N, d)`, is recorded as the extra "features"
            `(records, N, d)`: the penultimate features h for neural-collapse readings.
        classifier: name of the final linear layer, whose weight W `(K, d)` is recorded as
            the extra "weights" `(records, K, d)`. Default: with `features`, the last
            `nn.Linear` if its weight is `(K, d)`; False records no weights.
        batch_size: probe samples per forward pass (tensors, arrays, mappings); None = all.
        flush_seconds: hand the buffered records to disk as one block when this much wall
            time has passed since the last block (checked at each `step()`), on close, and
            early when the block buffer is full (MAX_BLOCK_RECORDS records or MAX_BUFFER_BYTES,
            preallocated on the model's device). A worker thread does the appending, so training does not wait for the disk;
            `flushed_records` says how many records are on disk, `flush()` waits for it.
        description: text kept with the run; default says what was recorded.
        overwrite: replace an existing run at `out`.
        start_step: optimizer steps the model has already taken (a resumed training): the
            first record is this step, and `step()` counts on from it.

    Raises:
        ValueError: bad options, labels that do not match the inputs or are not integers,
            model output that is not `(N, K)`, an unknown module name, `out` exists; in a
            process group, ranks that made different recorders (on every rank), or another rank
            whose recorder could not be made (its reason in the message).

    >>> import tempfile, torch
    >>> from softmaxlab.store import load_run
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> x, y = torch.randn(30, 2), torch.arange(30) % 3
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> out = f"{tempfile.mkdtemp()}/run"
    >>> with LogitRecorder(model, x, y, every=10, out=out, features="1") as recorder:
    ...     for _ in range(25):
    ...         opt.zero_grad(); torch.nn.functional.cross_entropy(model(x), y).backward(); opt.step()
    ...         recorder.step()
    >>> run = load_run(out)
    >>> run.steps, run.logits.shape, run.extras["features"].shape, run.extras["weights"].shape
    (array([ 0, 10, 20, 25]), (4, 30, 3), (4, 30, 8), (4, 3, 8))
    """

    def __init__(self, model, probe_inputs, probe_labels, *, every=10, out=None, features=None, classifier=None,
                 batch_size=None, flush_seconds=2.0, description=None, overwrite=False, start_step=0):
        self.rank = distributed.current_rank()  # (rank, world_size) inside a process group, else None
        meeting = distributed.Meeting.of_recorder(*self.rank) if self.rank is not None else None
        with distributed.told(meeting):  # the other ranks must hear it if this one cannot make its recorder
            if not isinstance(model, torch.nn.Module):
                raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
            if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
                raise ValueError(f"every must be an integer >= 1, got {every!r}")
            if isinstance(start_step, bool) or not isinstance(start_step, numbers.Integral) or start_step < 0:
                raise ValueError(f"start_step must be an integer >= 0, got {start_step!r}")
            if (isinstance(flush_seconds, bool) or not isinstance(flush_seconds, numbers.Real)
                    or not math.isfinite(flush_seconds) or flush_seconds < 0):
                raise ValueError(f"flush_seconds must be a finite number >= 0, got {flush_seconds!r}")
            self.path = Path(out) if out is not None else _default_out(model)
            if self.path.exists() and not overwrite and (not self.path.is_dir() or any(self.path.iterdir())):
                raise ValueError(f"{self.path} already exists; pass overwrite=True to replace it, "
                                 "or choose another out")
            wrapped, model = model, distributed.unwrap(model)  # DDP's own forward would run collectives
            self.model = model
            self.every = int(every)
            self.flush_seconds = float(flush_seconds)
            # the whole probe set, and this process's share of it (all of it outside a process group)
            whole = ProbeSet(probe_inputs, probe_labels, batch_size=batch_size)
            self.shares = [(0, whole.num_samples)] if self.rank is None else split_samples(whole.num_samples,
                                                                                           self.rank[1])
            self.probe = whole if self.rank is None else whole.rows(*self.shares[self.rank[0]])
            if model is not wrapped and isinstance(features, str) and features.startswith("module."):
                features = features[len("module."):]  # a name as the DDP wrapper lists it
            self._feature_module = find_module(model, features, option="features") if features is not None else None
            self._classifier = None
            if classifier not in (None, False):
                self._classifier = find_module(model, classifier, option="classifier")
                if not isinstance(getattr(self._classifier, "weight", None), torch.Tensor) \
                        or self._classifier.weight.ndim != 2:
                    raise ValueError(f"classifier={classifier!r} has no 2-D weight (K, d) to record")
            self.step_count = int(start_step)  # optimizer steps so far (start_step + calls of step())
            self._steps = []  # steps of the records held in the block buffers
            self._slots = None  # name -> (capacity, ...) float32 block buffers on the model's device
            self._spare = []  # written CPU block buffers, handed back by the worker, to fill again
            self._labels = None  # (n,) int64 labels of this process's probe samples on the buffers' device
            self._last_recorded = None
            self._closed = False

            logits, feats = self._forward()  # step 0, before the store exists: a bad model leaves no folder
            self.num_classes = int(logits.shape[1])
            if whole.labels.max() >= self.num_classes:
                raise ValueError(f"probe_labels go up to {whole.labels.max()} but the model gives "
                                 f"{self.num_classes} logits per sample")
            self._choose_classifier(classifier, feats)
            if description is None:
                description = (f"LogitRecorder: {type(model).__name__}, {whole.num_samples} probe samples, "
                               f"every {self.every} steps" + (f", features of {features!r}" if features else "")
                               + (f", {self.rank[1]} ranks" if self.rank else ""))
            shapes = {}  # extras of the whole run: name -> (shape of one record, dtype)
            if feats is not None:
                shapes["features"] = ((whole.num_samples, feats.shape[1]), "float32")
            if self._classifier is not None:
                shapes["weights"] = (tuple(self._classifier.weight.shape), "float32")
        if self.rank is None:
            self._writer_extras = shapes
            self._writer = RunWriter(self.path, labels=whole.labels, num_classes=self.num_classes,
                                     inputs=whole.store_inputs(), description=description,
                                     extras=shapes or None, overwrite=overwrite)
        else:
            self.path, self._writer, self._writer_extras = distributed.open_part(
                meeting, self.path, whole=whole, shares=self.shares, shapes=shapes,
                num_classes=self.num_classes, every=self.every, start_step=self.step_count,
                description=description, out_given=out is not None, overwrite=overwrite)
            if "weights" not in self._writer_extras:
                self._classifier = None  # equal on every rank under DDP: rank 0 alone records the weights
        self._appender = BackgroundAppender(self._writer)
        self._allocate(logits.device)
        self._keep(self.step_count, logits, feats)
        # the (empty) run is on disk now; step 0 joins the first block, flush_seconds from here
        self._last_flush = time.monotonic()

    def _choose_classifier(self, classifier, feats):
        """Settle which module's weight is recorded (see the `classifier` argument)."""
        expected = (self.num_classes, None if feats is None else feats.shape[1])
        if self._classifier is not None:
            shape = tuple(self._classifier.weight.shape)
            if shape[0] != expected[0] or (expected[1] is not None and shape[1] != expected[1]):
                raise ValueError(f"classifier={classifier!r} has weight shape {shape}, expected "
                                 f"({expected[0]}, {expected[1] if expected[1] is not None else 'd'}): "
                                 "K classes by the features' dimension")
        elif classifier is None and feats is not None:
            linears = [m for m in self.model.modules() if isinstance(m, torch.nn.Linear)]
            if linears and tuple(linears[-1].weight.shape) == expected:
                self._classifier = linears[-1]

    def _forward(self, slot=None):
        """Run the probe set: logits `(N, K)` and features `(N, d)` or None, float32 on the model's device.

        With `slot` (a free row of the block buffers, on the model's device) the features
        are copied straight into it as the hook sees them, and logits and features
        returned are views of that row: no allocation per record.
        """
        features = []  # (batch, d) per forward pass, as the hook saw them
        handle = None
        if self._feature_module is not None:
            rows = self._slots["features"][slot] if slot is not None else None  # (N, d)
            handle = self._feature_module.register_forward_hook(self._feature_hook(rows, features))
        try:
            outputs = self._probe_logits(features, hooked=handle is not None)
        finally:
            if handle is not None:
                handle.remove()
        return self._joined_logits(outputs), self._joined_features(features, slot, hooked=handle is not None)

    def _model_device(self):
        """The device and floating dtype of the model's first parameter (CPU and None without parameters)."""
        param = next(self.model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        float_dtype = param.dtype if param is not None and param.is_floating_point() else None
        return device, float_dtype

    def _feature_hook(self, rows, features):
        """A forward hook appending the features module's output `(batch, d)` to `features` (into `rows` if given)."""
        def hook(module, args, output):
            if isinstance(output, (tuple, list)):
                output = output[0]
            output = output.detach().flatten(1)  # (batch, d)
            if rows is None:
                # copy: a later in-place op (ReLU(inplace=True)) would change the hooked tensor
                features.append(output.to(torch.float32, copy=True))
                return
            done = sum(f.shape[0] for f in features)
            target = rows[done:done + output.shape[0]]
            if target.shape != output.shape:
                raise ValueError(f"the features module gave rows of shape {tuple(output.shape[1:])} for "
                                 f"samples {done}.., expected {rows.shape[1]} features for "
                                 f"{rows.shape[0]} probe samples in all")
            features.append(target.copy_(output))
        return hook

    def _probe_logits(self, features, *, hooked):
        """The model's float32 logits `(batch, K)` of each probe batch, in eval mode without gradients."""
        device, float_dtype = self._model_device()
        outputs = []
        modes = [(module, module.training) for module in self.model.modules()]
        try:
            self.model.eval()
            with torch.no_grad():
                for args, kwargs in self.probe.batches(device, float_dtype):
                    before = len(features)
                    logits = logits_of(self.model(*args, **kwargs))
                    if logits.ndim != 2 or logits.shape[1] < 2:
                        raise ValueError(f"the model's output must be 2-D logits (samples, classes >= 2), "
                                         f"got shape {tuple(logits.shape)}")
                    if hooked and len(features) != before + 1:
                        raise ValueError(f"the features module ran {len(features) - before} times in one forward "
                                         "pass; choose a module that runs exactly once")
                    outputs.append(logits.detach().to(torch.float32))
        finally:
            for module, training in modes:  # each module's own flag: a frozen part may be in eval on purpose
                module.training = training
        return outputs

    def _joined_logits(self, outputs):
        """The batches' logits as one `(N, K)` tensor, checked against the probe set."""
        logits = outputs[0] if len(outputs) == 1 else torch.cat(outputs)  # (N, K)
        if logits.shape[0] != self.probe.num_samples:
            raise ValueError(f"the model gave logits for {logits.shape[0]} samples; the probe set has "
                             f"{self.probe.num_samples} labels")
        if len({o.shape[1] for o in outputs}) != 1:
            raise ValueError("the model gave a different number of classes for different probe batches")
        return logits

    def _joined_features(self, features, slot, *, hooked):
        """The batches' features as one `(N, d)` tensor (the buffer rows the hook filled), or None."""
        if not hooked:
            return None
        feats = features[0] if len(features) == 1 else torch.cat(features)  # (N, d)
        if slot is not None:
            feats = self._slots["features"][slot][:feats.shape[0]]  # the rows the hook filled, no copy
        if feats.shape[0] != self.probe.num_samples:
            raise ValueError(f"the features module gave {feats.shape[0]} rows for "
                             f"{self.probe.num_samples} probe samples")
        return feats

    def _allocate(self, device):
        """Block buffers on `device` for as many records as fit in MAX_BUFFER_BYTES (at most MAX_BLOCK_RECORDS).

        Each record is copied into the next free row: no allocation per record, and
        one device-to-host copy per block, in `_submit`. On the CPU the buffers of a block
        go to the worker as they are and come back to `_spare` once written; they are
        taken again from there, so their pages are not faulted in anew for every block.
        """
        if self._spare and self._spare[-1]["logits"].device == device:
            self._slots = self._spare.pop()
        else:
            self._spare.clear()  # buffers of another device (the model moved)
            shapes = {"logits": (self.probe.num_samples, self.num_classes)}
            if self._feature_module is not None:
                shapes["features"] = (self.probe.num_samples, self._writer_extras["features"][0][1])
            if self._classifier is not None:
                shapes["weights"] = tuple(self._classifier.weight.shape)
            per_record = sum(int(np.prod(shape)) * 4 for shape in shapes.values())
            capacity = max(1, min(MAX_BLOCK_RECORDS, MAX_BUFFER_BYTES // per_record))
            self._slots = {name: torch.empty((capacity, *shape), dtype=torch.float32, device=device)  # (cap, ...)
                           for name, shape in shapes.items()}
        if self._labels is None or self._labels.device != device:
            self._labels = torch.as_tensor(self.probe.labels, device=device)  # (N,)

    def _release(self, buffers):
        """A `done` callback for the worker: `buffers` (CPU block buffers) are written and may be filled again."""
        def done():
            if len(self._spare) < MAX_SPARE_BUFFERS:  # list.append: atomic, the worker may call it any time
                self._spare.append(buffers)
        return done

    def _free_slot(self):
        """Index of the next free row of the block buffers, on the model's current device."""
        device, _ = self._model_device()
        if self._slots["logits"].device != device:  # the model moved: hand over what is held, then move too
            self._submit()
            self._allocate(device)
        elif len(self._steps) == self._slots["logits"].shape[0]:  # full: flush early
            self._submit()
        return len(self._steps)

    def _keep(self, step, logits, feats, slot=None):
        """Hold one record in row `slot` of the block buffers (logits and features may already be there)."""
        slot = self._free_slot() if slot is None else slot
        for name, values in (("logits", logits), ("features", feats)):
            if values is not None and values.data_ptr() != self._slots[name][slot].data_ptr():
                self._slots[name][slot].copy_(values)
        if self._classifier is not None:
            weight = self._classifier.weight.detach()  # (K, d)
            if weight.shape != self._slots["weights"].shape[1:]:  # copy_ would broadcast a (1, d) silently
                raise ValueError(f"the classifier's weight is now {tuple(weight.shape)}; this run records "
                                 f"{tuple(self._slots['weights'].shape[1:])}")
            self._slots["weights"][slot].copy_(weight)
        self._steps.append(step)
        self._last_recorded = step

    def record(self):
        """Record the model now, as step `step_count` (at most once per step)."""
        if self._last_recorded != self.step_count:
            slot = self._free_slot()
            logits, _ = self._forward(slot)
            if logits.shape != self._slots["logits"].shape[1:]:  # copy_ would broadcast (N, 1) silently
                raise ValueError(f"the model now gives logits of shape {tuple(logits.shape)}; this run records "
                                 f"{tuple(self._slots['logits'].shape[1:])} (samples, classes)")
            self._slots["logits"][slot].copy_(logits)
            self._keep(self.step_count, None, None, slot)

    def step(self):
        """Count one optimizer step; record the model if the count is a multiple of `every`."""
        if self._closed:
            raise RuntimeError(f"LogitRecorder for {self.path} is closed; make a new one to record more")
        self.step_count += 1
        if self.step_count % self.every == 0:
            self.record()
        if self._steps and time.monotonic() - self._last_flush >= self.flush_seconds:
            self._submit()

    @property
    def flushed_records(self) -> int:
        """How many records are on disk, readable by `load_run` (from any process)."""
        return self._appender.committed

    def _submit(self):
        """Copy the held records to the host as one block; a worker thread appends it to the run.

        Loss and accuracy per record are computed here on the device, for the whole
        block at once (the store would otherwise recompute them in NumPy):
        loss_r = mean_s [logsumexp(z_rs) - z_rs,y_s], accuracy_r = mean_s [argmax z_rs == y_s].
        """
        n = len(self._steps)
        if n:
            steps = np.asarray(self._steps, dtype=np.int64)  # (block,)
            z = self._slots["logits"][:n].double()  # (block, N, K); float64 sums, as the store's own
            true = z.gather(2, self._labels.expand(n, -1).unsqueeze(2)).squeeze(2)  # (block, N)
            loss = (torch.logsumexp(z, 2) - true).mean(1)  # (block,)
            accuracy = (z.argmax(2) == self._labels).double().mean(1)  # (block,)
            device = self._slots["logits"].device
            done = None
            if device.type == "cpu":
                # hand the buffers themselves to the worker (no copy) and fill others meanwhile;
                # the worker gives these back once they are on disk
                host = {name: values[:n].numpy() for name, values in self._slots.items()}
                done = self._release(self._slots)
                self._allocate(device)
            else:  # one device-to-host copy per block; the device buffers are reused
                host = {name: values[:n].cpu().numpy() for name, values in self._slots.items()}
            self._steps = []
            extras = {name: host[name] for name in ("features", "weights") if name in host}
            self._appender.submit(steps, host["logits"], extras or None, done=done,
                                  loss=loss.float().cpu().numpy(), accuracy=accuracy.float().cpu().numpy())
        self._last_flush = time.monotonic()

    def flush(self):
        """Write every record buffered so far to the run, and return once it is on disk."""
        self._submit()
        self._appender.wait()

    def close(self, *, complete=True):
        """Record the last step (if not yet recorded), flush, and mark the run complete."""
        if self._closed:
            return
        self._closed = True
        try:
            if complete:
                self.record()
            self._submit()
        except BaseException:
            complete = False
            raise
        finally:
            try:
                self._appender.close()  # every queued block is on disk once this returns
            except BaseException:
                complete = False
                raise
            finally:
                self._writer.close(complete=complete)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # training raised: keep what was recorded, but do not pretend the run finished
        self.close(complete=exc_type is None)
        return False

    def __repr__(self):
        state = "closed" if self._closed else "open"
        return (f"LogitRecorder('{self.path}', every={self.every}, steps={self.step_count}, "
                f"records={self.flushed_records + len(self._steps)}, {state})")
