"""The adapters in a real multi-process launch on CPU: Lightning's strategy="ddp" and `accelerate launch`.

Each test runs a small training script (written here, a tiny model made in it, no downloads) in
processes of its own, then checks the one run against the weights the script saved at every
recorded step: the logits of every probe sample, each exactly once, in probe order.
"""

import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from softmaxlab.store import load_run

WAIT = 150  # seconds for the whole launch

COMMON = """
import copy, sys, torch
torch.set_num_threads(1)
out = sys.argv[1]
x = torch.randn(45, 4, generator=torch.Generator().manual_seed(1))  # 45 samples: 23 + 22 on 2 ranks
y = torch.arange(45) % 3
def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
"""

LIGHTNING = COMMON + """
import lightning.pytorch as pl
from softmaxlab.record.lightning import SoftmaxlabCallback

class Module(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = mlp()
    def forward(self, x):
        return self.net(x)
    def training_step(self, batch, index):
        return torch.nn.functional.cross_entropy(self(batch[0]), batch[1])
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.5)

class Snapshots(pl.Callback):
    states = {}
    def on_fit_start(self, trainer, module):
        self.states[trainer.global_step] = copy.deepcopy(module.net.state_dict())
    def on_train_batch_end(self, trainer, module, *args):
        self.states[trainer.global_step] = copy.deepcopy(module.net.state_dict())
    def on_fit_end(self, trainer, module):
        if trainer.is_global_zero:
            torch.save(self.states, out + ".states")

loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
trainer = pl.Trainer(strategy="ddp", accelerator="cpu", devices=2, max_steps=5, logger=False,
                     enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                     callbacks=[SoftmaxlabCallback(x, y, every=2, out=out), Snapshots()])
trainer.fit(Module(), loader)
"""

HUGGINGFACE = COMMON + """
import transformers
from softmaxlab.record.huggingface import SoftmaxlabTrainerCallback

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp()
    def forward(self, x, labels=None):
        logits = self.net(x)
        return {"logits": logits, **({"loss": torch.nn.functional.cross_entropy(logits, labels)}
                                     if labels is not None else {})}

class Snapshots(transformers.TrainerCallback):
    states = {}
    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.states[state.global_step] = copy.deepcopy(model.net.state_dict())
    def on_step_end(self, args, state, control, model=None, **kwargs):
        self.states[state.global_step] = copy.deepcopy(model.net.state_dict())
    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            torch.save(self.states, out + ".states")

args = transformers.TrainingArguments(output_dir=out + ".hf", max_steps=5, per_device_train_batch_size=8,
                                      learning_rate=0.2, report_to=[], save_strategy="no", logging_strategy="no",
                                      use_cpu=True, disable_tqdm=True)
train_set = [{"x": xi, "labels": yi} for xi, yi in zip(x, y)]
trainer = transformers.Trainer(model=Model(), args=args, train_dataset=train_set,
                               callbacks=[SoftmaxlabTrainerCallback({"x": x}, y, every=2, out=out), Snapshots()])
assert trainer.args.world_size == 2, trainer.args.world_size
trainer.train()
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(command, tmp_path):
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()), OMP_NUM_THREADS="1",
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)  # the launcher and the ranks it started
            proc.wait(timeout=30)
    assert proc.returncode == 0, output[-4000:]


def check_run(out, steps):
    run = load_run(out)
    states = torch.load(f"{out}.states")
    assert run.complete and [s.samples for s in run.ranks] == [(0, 23), (23, 45)]
    assert run.steps.tolist() == steps
    x = torch.randn(45, 4, generator=torch.Generator().manual_seed(1))
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    for i, step in enumerate(run.steps):
        model.load_state_dict(states[int(step)])
        with torch.no_grad():
            expected = model(x).numpy()  # (45, 3): every probe sample, in probe order
        np.testing.assert_allclose(run.logits[i], expected, rtol=1e-5, atol=1e-6)
    assert np.any(run.logits[-1] != run.logits[0])


@pytest.mark.slow
def test_lightning_callback_under_strategy_ddp_records_one_run(tmp_path):
    pytest.importorskip("lightning")
    script = tmp_path / "train_lightning.py"
    script.write_text(textwrap.dedent(LIGHTNING))
    launch([sys.executable, str(script), str(tmp_path / "run")], tmp_path)
    check_run(tmp_path / "run", [0, 2, 4, 5])


@pytest.mark.slow
def test_huggingface_callback_under_accelerate_launch_records_one_run(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    script = tmp_path / "train_hf.py"
    script.write_text(textwrap.dedent(HUGGINGFACE))
    accelerate = [sys.executable, "-m", "accelerate.commands.launch"]
    # accelerate's --cpu launches several processes only through mpirun; --multi_gpu starts them through
    # torch.distributed.run, and use_cpu=True in the script makes them a gloo group on the CPU
    launch([*accelerate, "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
            "--dynamo_backend", "no", "--main_process_port", str(free_port()), str(script), str(tmp_path / "run")],
           tmp_path)
    check_run(tmp_path / "run", [0, 2, 4, 5])
