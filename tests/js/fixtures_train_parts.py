"""Fixtures of the JS trainer's parts, one at a time against the lab's JAX: each optimiser's update (optax, as
lab/optimizers.py chains it), each loss's value and gradient (jax.value_and_grad of lab/losses.py), each
activation's value and derivative (jax.grad of lab/models.py's), and erfc against scipy in float64."""

import numpy as np
from scipy import special

from softmaxlab.lab.hyperparameters import Hyperparameters

STEPS = 6


def _optimizers(rng):
    import jax
    import optax

    from softmaxlab.lab.optimizers import OPTIMIZERS

    out = []
    for name, spec in OPTIMIZERS.items():
        for wd in (0.0, 0.1):
            hp = Hyperparameters(lr=np.float32(0.5), weight_decay=np.float32(wd), momentum=np.float32(0.8))
            w = rng.normal(size=40).astype(np.float32)
            # gradients of every size, exact zeros and ones far below Adam's and RMSprop's eps included
            grads = rng.normal(size=(STEPS, 40)) * 10.0 ** rng.integers(-10, 1, size=(STEPS, 40))
            grads[:, :3] = 0.0
            grads = grads.astype(np.float32)
            opt = spec.make(hp)
            state, params, path = opt.init({"w": w}), {"w": w}, []
            update = jax.jit(opt.update)
            for g in grads:
                updates, state = update({"w": g}, state, params)
                params = optax.apply_updates(params, updates)
                path.append(np.asarray(params["w"]))
            out.append({"optimizer": name, "hp": hp._asdict(), "w": w, "grads": grads, "path": np.array(path)})
    return out


def _losses(rng):
    import jax
    import jax.numpy as jnp

    from softmaxlab.lab.losses import LOSSES

    options = {"cross-entropy": [{"label_smoothing": e} for e in (0.0, 0.1, 0.9)],
               "focal": [{"focal_gamma": g} for g in (0.0, 0.5, 2.0, 7.0)],
               "squared-error": [{}], "hinge": [{}]}
    out = []
    for k in (2, 3, 7, 10):
        for scale in (0.1, 3.0, 30.0):
            z = (rng.normal(size=(9, k)) * scale).astype(np.float32)
            z[0] = 0.0  # the zero init: every logit ties
            z[1, :] = 1.0
            z[1, 0] = 2.0  # the hinge exactly at its margin for label 0: max(0, v) at v = 0
            y = rng.integers(k, size=9).astype(np.int32)
            y[1] = 0
            for name, opts in options.items():
                for o in opts:
                    for t in (1.0, 0.5, 4.0):
                        hp = Hyperparameters(temperature=np.float32(t),
                                             **{key: np.float32(v) for key, v in o.items()})
                        fn = LOSSES[name].fn
                        value, grad = jax.value_and_grad(lambda z: fn(z / hp.temperature, jnp.asarray(y), hp))(z)
                        out.append({"loss": name, "hp": hp._asdict(), "z": z, "y": y, "value": np.float32(value),
                                    "grad": np.asarray(grad)})
    return out


def _activations():
    import jax
    import jax.numpy as jnp

    from softmaxlab.lab.models import ACTIVATIONS

    a = np.concatenate([np.linspace(-12, 12, 241), [-1e-7, 0.0, 1e-7, 40.0, -40.0]]).astype(np.float32)
    out = []
    for name, c in ACTIVATIONS.items():
        value = jax.vmap(c.fn)(jnp.asarray(a))
        slope = jax.vmap(jax.grad(c.fn))(jnp.asarray(a))
        out.append({"activation": name, "a": a, "value": np.asarray(value), "slope": np.asarray(slope)})
    return out


def cases():
    rng = np.random.default_rng(12)
    x = np.concatenate([np.linspace(-6, 6, 601), [-30, -27, 20, 26.5, 27.5, 1e-10, -1e-10]])
    return {"train_optimizers": _optimizers(rng), "train_losses": _losses(rng), "train_activations": _activations(),
            "train_erfc": {"x": x, "erfc": special.erfc(x)}}
