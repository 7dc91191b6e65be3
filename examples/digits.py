"""Record a PyTorch MLP learning scikit-learn's handwritten digits, then open the run in softmaxlab.

The digits (8x8 images, 10 classes, 1797 samples) ship with scikit-learn: no download.
A held-out fifth of them is the probe set: every `--every` optimizer steps the recorder
stores its logits (and the 64-d penultimate features, for neural-collapse readings).

    pip install -e ".[examples]"      # PyTorch and scikit-learn
    python examples/digits.py --out runs/digits --epochs 30 --every 10
    softmaxlab serve --logdir runs
"""

import argparse
import importlib.util
import sys

if importlib.util.find_spec("torch") is None or importlib.util.find_spec("sklearn") is None:
    sys.exit('examples/digits.py needs PyTorch and scikit-learn: pip install -e ".[examples]"')

import torch  # noqa: E402  (after the check, so a missing package is one line, not a traceback)
from torch import nn  # noqa: E402


def load_data(*, seed=0):
    """Train and held-out tensors: x `(n, 64)` float32 in [0, 1], y `(n,)` int64."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data.astype("float32") / 16.0  # pixel counts 0..16 -> [0, 1]
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, stratify=digits.target, random_state=seed)
    return (torch.from_numpy(x_train), torch.from_numpy(y_train).long(),
            torch.from_numpy(x_test), torch.from_numpy(y_test).long())


def make_model(*, seed=0):
    """64 -> 128 -> 64 -> 10; module "3" (the second ReLU) gives the penultimate features."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def epochs_of_training(model, x, y, *, recorder=None, batch_size=64, lr=1e-3, seed=0):
    """Adam on shuffled minibatches, one epoch per `next()`; `recorder.step()` after each optimizer step."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    while True:
        for batch in torch.randperm(x.shape[0], generator=order).split(batch_size):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            opt.step()
            if recorder is not None:
                recorder.step()
        yield


def train(model, x, y, *, epochs, **options):
    """`epochs` passes of `epochs_of_training` (options: recorder, batch_size, lr, seed)."""
    training = epochs_of_training(model, x, y, **options)
    for _ in range(epochs):
        next(training)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/digits", help="folder of the run (default: runs/digits)")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training digits (default: 30)")
    parser.add_argument("--every", type=int, default=10, help="record every N optimizer steps (default: 10)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing run at --out")
    args = parser.parse_args(argv)
    if args.epochs < 0:
        parser.error("--epochs must be >= 0")

    from softmaxlab.record import LogitRecorder

    x_train, y_train, x_test, y_test = load_data()
    model = make_model()
    try:
        recorder = LogitRecorder(model, x_test, y_test, every=args.every, out=args.out, features="3",
                                 overwrite=args.overwrite,
                                 description=f"MLP on scikit-learn digits, {args.epochs} epochs, held-out probe")
    except ValueError as e:
        parser.error(str(e).replace("overwrite=True", "--overwrite"))
    with recorder:
        train(model, x_train, y_train, epochs=args.epochs, recorder=recorder)
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    print(f"held-out accuracy {accuracy:.3f}; {recorder.flushed_records} records of {len(y_test)} digits "
          f"in {recorder.path}")
    print(f"open it with:  softmaxlab serve --logdir {recorder.path.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
