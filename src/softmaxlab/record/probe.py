"""The fixed probe set a recorder feeds to the model: inputs in batches, labels, and checks at the edge.

A probe set is what `LogitRecorder` runs the model on at every recorded step. It may be

- a tensor or NumPy array `(N, ...)` (sliced into batches of `batch_size`; a NumPy array,
  e.g. a memory map, is converted one batch at a time, so it may be larger than memory),
- a mapping name -> `(N, ...)` tensors/arrays, passed as keyword arguments
  (`model(**batch)`, as Hugging Face models take `input_ids`, `attention_mask`),
- a re-iterable of batches (a `DataLoader` without shuffling, or a list): each batch is
  a tensor, a `(inputs, labels, ...)` tuple or list (the first element is fed to the
  model), or a dict (fed as keyword arguments, without its `labels`/`label` key).

With batches, `probe_labels=None` takes the labels from the batches (the tuple's second
element, or the dict's `labels`/`label`), read once when the recorder is made.
"""

from collections.abc import Iterable, Mapping

import numpy as np
import torch

from softmaxlab.store.labels import check_labels

_LABEL_KEYS = ("labels", "label")


def _leading(value):
    """Length of the first axis of a tensor or array."""
    return int(value.shape[0]) if getattr(value, "ndim", 0) >= 1 else None


def _to_device(value, device, float_dtype):
    """A tensor on `device`; floating inputs take the model's dtype (a float64 array would not run)."""
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        value = np.array(value)  # a read-only memory map: read this batch into memory (torch wants writable)
    tensor = torch.as_tensor(value)
    if tensor.is_floating_point() and float_dtype is not None:
        return tensor.to(device=device, dtype=float_dtype)
    return tensor.to(device=device)


def logits_of(output):
    """The logits tensor of a model's output: a tensor, `output.logits`, `output["logits"]` or `output[0]`."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, Mapping) and isinstance(output.get("logits"), torch.Tensor):
        return output["logits"]
    if isinstance(getattr(output, "logits", None), torch.Tensor):
        return output.logits
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    raise ValueError(f"the model returned {type(output).__name__}; expected a logits tensor (N, K), "
                     "or an output with .logits / ['logits']")


def find_module(model, name, *, option):
    """The submodule called `name`, or a ValueError listing the closest module names."""
    import difflib

    modules = dict(model.named_modules())
    if name in modules:
        return modules[name]
    names = [n for n in modules if n]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"its modules are {', '.join(names[:20]) or 'none'}"
    raise ValueError(f"{option}={name!r} is not a module of the model; {hint}")


class ProbeSet:
    """Probe inputs and labels, validated; `batches(device, dtype)` yields `(args, kwargs)` per batch.

    Args:
        inputs: see the module docstring.
        labels: `(N,)` integer classes, or None to read them from batches.
        batch_size: samples per forward pass for tensors, arrays and mappings; None = all at once.
            Ignored for batches, which keep their own size.
    """

    def __init__(self, inputs, labels, *, batch_size=None):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        self.batch_size = batch_size
        self._cache = None  # (device, dtype, tensor) of a probe that fits in one batch
        if isinstance(inputs, (torch.Tensor, np.ndarray)):
            self.kind = "array"
            if inputs.ndim < 1:
                raise ValueError(f"probe_inputs must have a leading samples axis, got shape {tuple(inputs.shape)}")
            num = _leading(inputs)
        elif isinstance(inputs, Mapping):
            self.kind = "mapping"
            if not inputs:
                raise ValueError("probe_inputs is an empty mapping")
            lengths = {key: _leading(np.asarray(v) if not isinstance(v, torch.Tensor) else v)
                       for key, v in inputs.items()}
            if len(set(lengths.values())) != 1 or None in lengths.values():
                raise ValueError(f"probe_inputs' arrays must share their first axis (samples), got {lengths}")
            inputs = {k: v if isinstance(v, torch.Tensor) else np.asarray(v) for k, v in inputs.items()}
            num = next(iter(lengths.values()))
        elif isinstance(inputs, Iterable) and not isinstance(inputs, (str, bytes)):
            self.kind = "batches"
            if iter(inputs) is inputs:
                raise ValueError("probe_inputs must be re-iterable (a DataLoader or a list of batches), "
                                 "not a one-shot iterator or generator: it is read at every record")
            sampler = getattr(inputs, "sampler", None)
            if isinstance(sampler, torch.utils.data.RandomSampler):
                raise ValueError("probe_inputs is a shuffling DataLoader; the probe set must keep its order "
                                 "(use shuffle=False)")
            num = None
        else:
            raise ValueError("probe_inputs must be a tensor, a NumPy array, a mapping of them, or a DataLoader/"
                             f"list of batches, got {type(inputs).__name__}")
        self.inputs = inputs
        if labels is None:
            if self.kind != "batches":
                raise ValueError("probe_labels is None; it may be left out only when probe_inputs yields "
                                 "(inputs, labels) batches")
            labels = self._labels_from_batches()
        self.labels = check_labels(labels, name="probe_labels")  # (N,)
        if num is not None and num != self.labels.shape[0]:
            raise ValueError(f"probe_labels has {self.labels.shape[0]} entries but probe_inputs has {num} samples")
        self.num_samples = int(self.labels.shape[0])

    def _labels_from_batches(self):
        found = []
        for batch in self.inputs:
            if isinstance(batch, (tuple, list)) and len(batch) >= 2:
                found.append(batch[1])
            elif isinstance(batch, Mapping) and any(k in batch for k in _LABEL_KEYS):
                found.append(next(batch[k] for k in _LABEL_KEYS if k in batch))
            else:
                raise ValueError("probe_labels is None but a probe batch carries no labels "
                                 "(expected (inputs, labels) or a dict with 'labels')")
        if not found:
            raise ValueError("probe_inputs yielded no batches")
        return np.concatenate([torch.as_tensor(y).cpu().numpy().reshape(-1) for y in found])

    def store_inputs(self, *, max_values=2_000_000):
        """`(N, d)` float32 inputs to keep in the run, or None (not an array, not floating, or too large)."""
        if self.kind != "array":
            return None
        values = self.inputs.detach().cpu().numpy() if isinstance(self.inputs, torch.Tensor) else self.inputs
        if not np.issubdtype(values.dtype, np.floating) or values.size > max_values:
            return None
        return np.asarray(values, dtype=np.float32).reshape(self.num_samples, -1)  # (N, d)

    def batches(self, device, float_dtype):
        """Yield `(args, kwargs)` for each forward pass, on `device`, in probe order."""
        if self.kind == "array":
            if self.batch_size is None or self.batch_size >= self.num_samples:
                # one batch: keep it on the device, so a record does not copy the probe again
                key = (device, float_dtype)
                if self._cache is None or self._cache[0] != key:
                    self._cache = (key, _to_device(self.inputs, device, float_dtype))
                yield (self._cache[1],), {}
                return
            for start in range(0, self.num_samples, self.batch_size):
                yield (_to_device(self.inputs[start:start + self.batch_size], device, float_dtype),), {}
        elif self.kind == "mapping":
            size = self.batch_size or self.num_samples
            for start in range(0, self.num_samples, size):
                yield (), {k: _to_device(v[start:start + size], device, float_dtype) for k, v in self.inputs.items()}
        else:
            for batch in self.inputs:
                if isinstance(batch, Mapping):
                    yield (), {k: _to_device(v, device, float_dtype) for k, v in batch.items()
                               if k not in _LABEL_KEYS}
                elif isinstance(batch, (tuple, list)):
                    yield (_to_device(batch[0], device, float_dtype),), {}
                else:
                    yield (_to_device(batch, device, float_dtype),), {}

    def rows(self, start, stop):
        """The probe set of samples [start, stop) only, in the same order (one rank's share of a distributed run).

        Tensors, arrays and mappings are sliced; batches are read as before and cut to the
        rows that fall in the range, so a rank runs the model on its own samples only.
        """
        labels = self.labels[start:stop]
        if self.kind == "array":
            return ProbeSet(self.inputs[start:stop], labels, batch_size=self.batch_size)
        if self.kind == "mapping":
            return ProbeSet({k: v[start:stop] for k, v in self.inputs.items()}, labels, batch_size=self.batch_size)
        return ProbeSet(_RowsOfBatches(self.inputs, start, stop), labels)


def _batch_length(batch):
    first = next(iter(batch.values())) if isinstance(batch, Mapping) else (
        batch[0] if isinstance(batch, (tuple, list)) else batch)
    return int(first.shape[0])


def _cut(batch, a, b):
    """Rows [a, b) of one batch (a tensor, a tuple/list of them, or a dict of them)."""
    if isinstance(batch, Mapping):
        return {k: v[a:b] for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(v[a:b] if getattr(v, "ndim", 0) >= 1 else v for v in batch)
    return batch[a:b]


class _RowsOfBatches:
    """Re-iterable batches of the samples [start, stop) of `batches`, each batch cut to the rows in the range."""

    def __init__(self, batches, start, stop):
        self.batches, self.start, self.stop = batches, start, stop

    def __iter__(self):
        offset = 0
        for batch in self.batches:
            length = _batch_length(batch)
            a, b = max(self.start, offset), min(self.stop, offset + length)
            if a < b:
                yield _cut(batch, a - offset, b - offset)
            offset += length
            if offset >= self.stop:
                return
