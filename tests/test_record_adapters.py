"""The Lightning and Hugging Face adapters inside real `Trainer.fit` / `Trainer.train` runs.

Each is skipped where its framework is not installed. The reference: state_dict copies
taken by a separate callback at every optimizer step, run by hand in eval mode.
"""

import copy
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from softmaxlab.store import load_run


def data(n=48, d=4, k=3):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % k
    return torch.randn(k, d, generator=g)[y] * 2 + torch.randn(n, d, generator=g), y


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))


def reference_logits(state, x, prefix):
    net = mlp()
    net.load_state_dict({k.removeprefix(prefix): v for k, v in state.items()})
    net.eval()
    with torch.no_grad():
        return net(x).numpy()


@pytest.mark.slow
def test_lightning_callback_records_global_steps(tmp_path):
    pl = pytest.importorskip("lightning.pytorch")
    from softmaxlab.record.lightning import SoftmaxlabCallback

    class Lit(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = mlp()

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return nn.functional.cross_entropy(self(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.2)

    snapshots = {}

    class Snapshots(pl.Callback):
        def on_fit_start(self, trainer, module):
            snapshots[0] = copy.deepcopy(module.state_dict())

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
            snapshots[trainer.global_step] = copy.deepcopy(module.state_dict())

    x, y = data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8, shuffle=True)
    recorder = SoftmaxlabCallback(x, y, every=3, out=tmp_path / "lit", features="net.1")
    trainer = pl.Trainer(max_steps=7, accumulate_grad_batches=2, accelerator="cpu", devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[recorder, Snapshots()])
    trainer.fit(Lit(), loader)
    run = load_run(tmp_path / "lit")
    # optimizer steps (not batches: two per step) 0, 3, 6 and the last, 7
    assert run.steps.tolist() == [0, 3, 6, 7] and run.complete
    for i, step in enumerate(run.steps):
        np.testing.assert_allclose(run.logits[i], reference_logits(snapshots[step], x, "net."), rtol=1e-5,
                                   atol=1e-6)
    assert run.extras["features"].shape == (4, 48, 16) and run.extras["weights"].shape == (4, 3, 16)


@pytest.mark.slow
def test_huggingface_callback_records_global_steps(tmp_path):
    transformers = pytest.importorskip("transformers")
    from softmaxlab.record.huggingface import SoftmaxlabTrainerCallback

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = mlp()

        def forward(self, x, labels=None):
            logits = self.net(x)
            out = {"logits": logits}
            if labels is not None:
                out["loss"] = nn.functional.cross_entropy(logits, labels)
            return out

    snapshots = {}

    class Snapshots(transformers.TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, **kwargs):
            snapshots[state.global_step] = copy.deepcopy(model.state_dict())

        def on_step_end(self, args, state, control, model=None, **kwargs):
            snapshots[state.global_step] = copy.deepcopy(model.state_dict())

    x, y = data()
    train_set = [{"x": xi, "labels": yi} for xi, yi in zip(x, y)]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "hf-out"), max_steps=7, per_device_train_batch_size=8, learning_rate=0.2,
        report_to=[], save_strategy="no", logging_strategy="no", use_cpu=True, disable_tqdm=True)
    recorder = SoftmaxlabTrainerCallback({"x": x}, y, every=3, out=tmp_path / "hf")
    trainer = transformers.Trainer(model=Model(), args=args, train_dataset=train_set,
                                   callbacks=[recorder, Snapshots()])
    trainer.train()
    run = load_run(tmp_path / "hf")
    assert run.steps.tolist() == [0, 3, 6, 7] and run.complete
    for i, step in enumerate(run.steps):
        np.testing.assert_allclose(run.logits[i], reference_logits(snapshots[step], x, "net."), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.slow
def test_adapters_without_their_framework_say_what_to_install():
    # hide the frameworks from a fresh interpreter: each adapter must fail with its install hint
    code = ("import sys\n"
            "for name in ('lightning', 'pytorch_lightning', 'transformers'):\n    sys.modules[name] = None\n"
            "for module in ('lightning', 'huggingface'):\n"
            "    try:\n        __import__('softmaxlab.record.' + module)\n"
            "    except ImportError as e:\n        print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "pip install lightning" in out.stdout and "pip install transformers" in out.stdout, out.stdout + out.stderr
