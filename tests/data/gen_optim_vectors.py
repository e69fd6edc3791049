#!/usr/bin/env python3
"""Generate tests/data/optim_vectors.json: float64 reference trajectories of
baseline optimizers, produced by the published implementations.

How to run (from any directory; writes next to this script):

    python3 -m venv /tmp/optvec/venv
    /tmp/optvec/venv/bin/pip install torch "jax[cpu]" optax \
        prodigyopt dadaptation schedulefree numpy
    /tmp/optvec/venv/bin/python tests/data/gen_optim_vectors.py

(torch from PyPI is the CUDA build, about 3 GB with its nvidia-* dependencies;
it runs on CPU without a GPU. `--index-url https://download.pytorch.org/whl/cpu`
gives the small CPU build where that index is reachable.) The output is
deterministic: rerunning with the same versions reproduces the file byte for
byte.

Versions used for the committed optim_vectors.json (also recorded in the
file's "versions" field):

    Python 3.11.7, torch 2.15.0 (PyPI wheel, run on CPU), jax/jaxlib 0.10.2,
    optax 0.2.8, prodigyopt 1.1.2, dadaptation 3.2, schedulefree 1.4.1,
    numpy 2.4.6.

Everything is float64: torch tensors are created with dtype=torch.float64 and
jax runs with jax_enable_x64. Gradients come from the framework's autodiff
(torch autograd / jax.grad), never from hand-written formulas. Every case runs
5 steps and records the parameters after every step (flat, row-major).

Problems
  quartic:    x in R^3, f = 1/4 sum x^4 + 1/2 (sum x)^2, x0 = [1, -2, 3]
  two_tensor: a in R^3, B in R^{2x2},
              f = 1/4 sum a^4 + 1/2 (sum a)^2 + 1/2 sum (B-1)^2
                  + 0.1 (sum a)(sum B),
              a0 = [1, -2, 3], B0 = [[0.5, -1], [2, 0]]
Parameter order (matters for global sums): [x] and [a, B]. torch gets the
parameters as a list in that order; optax gets a tuple in that order (not a
dict, whose keys jax would sort).

Schedule-free cases: the gradient is taken at y (the parameters in train
mode); after each step "trajectory" holds x (read after optimizer.eval()) and
"trajectory_y" holds y (read in train mode). The *Reference classes store x,
y and z explicitly, so eval()/train() copy exactly. The non-reference classes
(SGDScheduleFree / AdamWScheduleFree, extra "sfopt" cases) recover x from y
and z by a lerp in eval(), and train() lerps back, which is not exact in
floating point; for those the script saves y, calls eval(), reads x, calls
train() and then restores y bit-for-bit so the recorded trajectory is the
uninterrupted one.

Case names are "<tag>__<problem>". Besides the cases that were asked for, there
are extra cases: prodigyopt/dadaptation with use_bias_correction=True (the
settings optax.contrib.prodigy / dadapt_adamw always use), the non-Reference
schedule-free classes, and a few that exercise paths the requested ones leave
idle (amsgrad with beta2=0.5, finite growth_rate, coupled weight decay,
schedule-free r / weight_lr_power / warmup). The top-level "comparisons" list
gives the max abs/rel difference between implementations that should agree
(or, for optax vs prodigyopt/dadaptation defaults, should not).

The "majorize" field gives the majorize optimizer name and options. Options
are written out explicitly (not only the non-default ones), using the
reference implementation's value for every listed key, except keys whose
reference default cannot be written as a finite number: Prodigy's beta3
(None = sqrt(beta2)) and growth_rate (inf) are omitted, meaning "default".
"""

import json
import math
import os
import platform
import sys

import numpy as np
import torch

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
import optax.contrib  # noqa: E402

import prodigyopt  # noqa: E402
import dadaptation  # noqa: E402
import schedulefree  # noqa: E402

from importlib.metadata import version as _pkg_version  # noqa: E402

STEPS = 5
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_vectors.json")

torch.set_default_dtype(torch.float64)

# ---------------------------------------------------------------- problems

PROBLEMS = {
    "quartic": {
        "params": {"x": {"shape": [3], "x0": [1.0, -2.0, 3.0]}},
        "formula": "f(x) = 1/4*sum(x_i^4) + 1/2*(sum_i x_i)^2",
    },
    "two_tensor": {
        "params": {
            "a": {"shape": [3], "x0": [1.0, -2.0, 3.0]},
            "B": {"shape": [2, 2], "x0": [0.5, -1.0, 2.0, 0.0]},
        },
        "formula": "f(a, B) = 1/4*sum(a^4) + 1/2*(sum(a))^2 + 1/2*sum((B-1)^2) + 0.1*sum(a)*sum(B)",
    },
}


def f_quartic(x, lib):
    return 0.25 * lib.sum(x**4) + 0.5 * lib.sum(x) ** 2


def f_two(a, B, lib):
    return (
        0.25 * lib.sum(a**4)
        + 0.5 * lib.sum(a) ** 2
        + 0.5 * lib.sum((B - 1.0) ** 2)
        + 0.1 * lib.sum(a) * lib.sum(B)
    )


def loss_fn(problem, lib):
    if problem == "quartic":
        return lambda ps: f_quartic(ps[0], lib)
    return lambda ps: f_two(ps[0], ps[1], lib)


def pnames(problem):
    return list(PROBLEMS[problem]["params"].keys())


def init_values(problem):
    spec = PROBLEMS[problem]["params"]
    return [(np.array(spec[n]["x0"], dtype=np.float64).reshape(spec[n]["shape"])) for n in spec]


def flat(t):
    if isinstance(t, torch.Tensor):
        return [float(v) for v in t.detach().reshape(-1).tolist()]
    return [float(v) for v in np.asarray(t, dtype=np.float64).reshape(-1).tolist()]


# ---------------------------------------------------------------- runners


def run_torch(problem, make_opt, sf=None):
    """sf: None, "reference" or "fast" (schedule-free variants)."""
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in init_values(problem)]
    names = pnames(problem)
    f = loss_fn(problem, torch)
    opt = make_opt(params)
    if sf:
        opt.train()
    traj, traj_y = [], []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = f(params)
        loss.backward()
        opt.step()
        if sf:
            y_saved = [p.detach().clone() for p in params]
            traj_y.append({n: flat(p) for n, p in zip(names, params)})
            opt.eval()
            traj.append({n: flat(p) for n, p in zip(names, params)})
            opt.train()
            if sf == "fast":
                with torch.no_grad():
                    for p, y in zip(params, y_saved):
                        p.copy_(y)
            for p, y in zip(params, y_saved):
                assert torch.equal(p.detach(), y), "train() did not restore y"
        else:
            traj.append({n: flat(p) for n, p in zip(names, params)})
    return traj, (traj_y if sf else None)


def run_optax(problem, tx):
    params = tuple(jnp.asarray(v, dtype=jnp.float64) for v in init_values(problem))
    names = pnames(problem)
    grad_fn = jax.grad(loss_fn(problem, jnp))
    state = tx.init(params)
    traj = []
    for _ in range(STEPS):
        g = grad_fn(params)
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
        for p in params:
            assert p.dtype == jnp.float64
        traj.append({n: flat(p) for n, p in zip(names, params)})
    return traj, None


# ---------------------------------------------------------------- cases
# Each entry: (tag, source, kind, factory, majorize optimizer, majorize opts)
# kind: "torch", "torch-sf-ref", "torch-sf-fast", "optax".

V = {}


def versions():
    names = ["torch", "jax", "jaxlib", "optax", "prodigyopt", "dadaptation", "schedulefree", "numpy"]
    out = {"python": platform.python_version()}
    for n in names:
        out[n] = _pkg_version(n)
    out["torch.__version__"] = torch.__version__
    return out


def src_torch(cls):
    return f"torch {_pkg_version('torch')} torch.optim.{cls} (CPU, single-tensor path)"


def src_pkg(pkg, cls):
    return f"{pkg} {_pkg_version(pkg)} {pkg}.{cls}"


def src_optax(fn):
    return f"optax {_pkg_version('optax')} {fn} (jax {_pkg_version('jax')}, x64)"


T = torch.optim

SGD_KEYS = dict(lr=0.01, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)
ADAM_KEYS = dict(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False)
ADAMW_KEYS = dict(ADAM_KEYS, weight_decay=0.01)
RMS_KEYS = dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False)
ADAGRAD_KEYS = dict(lr=0.01, lr_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, weight_decay=0.0)
LION_KEYS = dict(lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0)
DOG_KEYS = dict(lr=1.0, reps_rel=1e-6, eps=1e-8)
PRODIGY_KEYS = dict(lr=1.0, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decouple=True,
                    use_bias_correction=False, safeguard_warmup=False, d0=1e-6, d_coef=1.0)
DADAPT_KEYS = dict(lr=1.0, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, d0=1e-6,
                   decouple=False, use_bias_correction=False)
SF_SGD_KEYS = dict(lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0, weight_lr_power=2.0)
SF_ADAMW_KEYS = dict(lr=0.0025, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, warmup_steps=0,
                     r=0.0, weight_lr_power=2.0)


def m(base, **kw):
    d = dict(base)
    for k, v in kw.items():
        assert k in d or k in ("eps_in_sqrt", "growth_rate"), k
        d[k] = v
    return d


CASES = []


def case(tag, source, kind, factory, mopt, mkeys, note=None):
    CASES.append(dict(tag=tag, source=source, kind=kind, factory=factory, mopt=mopt, mkeys=mkeys, note=note))


# --- torch.optim.SGD
case("torch_sgd_lr0.01", src_torch("SGD"), "torch", lambda p: T.SGD(p, lr=0.01), "sgd", m(SGD_KEYS, lr=0.01))
case("torch_sgd_momentum", src_torch("SGD"), "torch", lambda p: T.SGD(p, lr=0.01, momentum=0.9),
     "sgd", m(SGD_KEYS, lr=0.01, momentum=0.9))
case("torch_sgd_nesterov", src_torch("SGD"), "torch", lambda p: T.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
     "sgd", m(SGD_KEYS, lr=0.01, momentum=0.9, nesterov=True))
case("torch_sgd_dampening_wd", src_torch("SGD"), "torch",
     lambda p: T.SGD(p, lr=0.01, momentum=0.9, dampening=0.1, weight_decay=0.1),
     "sgd", m(SGD_KEYS, lr=0.01, momentum=0.9, dampening=0.1, weight_decay=0.1))

# --- torch.optim.Adam
case("torch_adam_lr0.1", src_torch("Adam"), "torch", lambda p: T.Adam(p, lr=0.1), "adam", m(ADAM_KEYS, lr=0.1))
case("torch_adam_wd", src_torch("Adam"), "torch", lambda p: T.Adam(p, lr=0.1, weight_decay=0.1),
     "adam", m(ADAM_KEYS, lr=0.1, weight_decay=0.1))
case("torch_adam_amsgrad", src_torch("Adam"), "torch", lambda p: T.Adam(p, lr=0.1, amsgrad=True),
     "adam", m(ADAM_KEYS, lr=0.1, amsgrad=True))
case("torch_adam_betas_eps", src_torch("Adam"), "torch", lambda p: T.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6),
     "adam", m(ADAM_KEYS, lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6))

# --- torch.optim.AdamW
case("torch_adamw_wd0.1", src_torch("AdamW"), "torch", lambda p: T.AdamW(p, lr=0.1, weight_decay=0.1),
     "adamw", m(ADAMW_KEYS, lr=0.1, weight_decay=0.1))
case("torch_adamw_default_wd", src_torch("AdamW"), "torch", lambda p: T.AdamW(p, lr=0.1),
     "adamw", m(ADAMW_KEYS, lr=0.1))
case("torch_adamw_amsgrad", src_torch("AdamW"), "torch",
     lambda p: T.AdamW(p, lr=0.1, weight_decay=0.1, amsgrad=True),
     "adamw", m(ADAMW_KEYS, lr=0.1, weight_decay=0.1, amsgrad=True))

# --- torch.optim.RMSprop
case("torch_rmsprop_lr0.01", src_torch("RMSprop"), "torch", lambda p: T.RMSprop(p, lr=0.01),
     "rmsprop", m(RMS_KEYS, lr=0.01))
case("torch_rmsprop_centered_momentum", src_torch("RMSprop"), "torch",
     lambda p: T.RMSprop(p, lr=0.01, momentum=0.9, centered=True),
     "rmsprop", m(RMS_KEYS, lr=0.01, momentum=0.9, centered=True))
case("torch_rmsprop_wd_alpha", src_torch("RMSprop"), "torch",
     lambda p: T.RMSprop(p, lr=0.01, weight_decay=0.1, alpha=0.9),
     "rmsprop", m(RMS_KEYS, lr=0.01, weight_decay=0.1, alpha=0.9))

# --- optax.rmsprop
case("optax_rmsprop", src_optax("optax.rmsprop(0.01)"), "optax", lambda: optax.rmsprop(0.01),
     "rmsprop", m(RMS_KEYS, lr=0.01, alpha=0.9, eps=1e-8, eps_in_sqrt=True))
case("optax_rmsprop_centered_momentum", src_optax("optax.rmsprop(0.01, centered=True, momentum=0.9)"), "optax",
     lambda: optax.rmsprop(0.01, centered=True, momentum=0.9),
     "rmsprop", m(RMS_KEYS, lr=0.01, alpha=0.9, eps=1e-8, momentum=0.9, centered=True, eps_in_sqrt=True),
     note="optax: u = g / sqrt(nu - mu^2 + eps); trace t = -lr*u + 0.9*t; p += t. "
          "With constant lr this equals torch's buf = 0.9*buf + g/denom; p -= lr*buf, "
          "with eps inside the sqrt (of the centered variance).")

# --- torch.optim.Adagrad
case("torch_adagrad_lr0.1", src_torch("Adagrad"), "torch", lambda p: T.Adagrad(p, lr=0.1),
     "adagrad", m(ADAGRAD_KEYS, lr=0.1))
case("torch_adagrad_decay_init", src_torch("Adagrad"), "torch",
     lambda p: T.Adagrad(p, lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1),
     "adagrad", m(ADAGRAD_KEYS, lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1))
case("torch_adagrad_wd", src_torch("Adagrad"), "torch", lambda p: T.Adagrad(p, lr=0.1, weight_decay=0.1),
     "adagrad", m(ADAGRAD_KEYS, lr=0.1, weight_decay=0.1))

# --- optax.adagrad
case("optax_adagrad", src_optax("optax.adagrad(0.1)"), "optax", lambda: optax.adagrad(0.1),
     "adagrad", m(ADAGRAD_KEYS, lr=0.1, initial_accumulator_value=0.1, eps=1e-7, eps_in_sqrt=True))

# --- optax.lion
case("optax_lion_wd", src_optax("optax.lion(0.01, weight_decay=0.1)"), "optax",
     lambda: optax.lion(0.01, weight_decay=0.1),
     "lion", m(LION_KEYS, lr=0.01, weight_decay=0.1))
case("optax_lion_betas", src_optax("optax.lion(0.01, b1=0.8, b2=0.95, weight_decay=0.0)"), "optax",
     lambda: optax.lion(0.01, b1=0.8, b2=0.95, weight_decay=0.0),
     "lion", m(LION_KEYS, lr=0.01, beta1=0.8, beta2=0.95, weight_decay=0.0))

# --- optax cross-checks vs torch
case("optax_sgd_momentum", src_optax("optax.sgd(0.01, momentum=0.9)"), "optax",
     lambda: optax.sgd(0.01, momentum=0.9), "sgd", m(SGD_KEYS, lr=0.01, momentum=0.9))
case("optax_adam", src_optax("optax.adam(0.1)"), "optax", lambda: optax.adam(0.1), "adam", m(ADAM_KEYS, lr=0.1))
case("optax_adamw_wd0.1", src_optax("optax.adamw(0.1, weight_decay=0.1)"), "optax",
     lambda: optax.adamw(0.1, weight_decay=0.1), "adamw", m(ADAMW_KEYS, lr=0.1, weight_decay=0.1))

# --- optax.contrib.dog
case("optax_dog", src_optax("optax.contrib.dog() [learning_rate=1.0, init_step=('heuristic', 1e-6), eps=1e-8]"),
     "optax", lambda: optax.contrib.dog(), "dog", m(DOG_KEYS))
case("optax_dog_reps1e-2",
     src_optax("optax.contrib.dog(init_step=('heuristic', 1e-2)) [learning_rate=1.0, eps=1e-8]"), "optax",
     lambda: optax.contrib.dog(init_step=("heuristic", 1e-2)), "dog", m(DOG_KEYS, reps_rel=1e-2))

# --- prodigyopt.Prodigy
P = prodigyopt.Prodigy
case("prodigy_default", src_pkg("prodigyopt", "Prodigy"), "torch", lambda p: P(p, lr=1.0),
     "prodigy", m(PRODIGY_KEYS))
case("prodigy_wd", src_pkg("prodigyopt", "Prodigy"), "torch", lambda p: P(p, lr=1.0, weight_decay=0.1),
     "prodigy", m(PRODIGY_KEYS, weight_decay=0.1))
case("prodigy_bc_safeguard", src_pkg("prodigyopt", "Prodigy"), "torch",
     lambda p: P(p, lr=1.0, use_bias_correction=True, safeguard_warmup=True),
     "prodigy", m(PRODIGY_KEYS, use_bias_correction=True, safeguard_warmup=True))
# extra, to compare with optax.contrib.prodigy, which always applies bias correction
case("prodigy_bc", src_pkg("prodigyopt", "Prodigy"), "torch",
     lambda p: P(p, lr=1.0, use_bias_correction=True),
     "prodigy", m(PRODIGY_KEYS, use_bias_correction=True),
     note="extra case: same settings as optax.contrib.prodigy(1.0)")
case("optax_prodigy", src_optax("optax.contrib.prodigy(learning_rate=1.0)"), "optax",
     lambda: optax.contrib.prodigy(learning_rate=1.0),
     "prodigy", m(PRODIGY_KEYS, use_bias_correction=True),
     note="optax's prodigy always applies Adam bias correction: it corresponds to "
          "prodigyopt use_bias_correction=True, NOT to prodigyopt defaults")

# --- dadaptation.DAdaptAdam
D = dadaptation.DAdaptAdam
case("dadapt_adam_default", src_pkg("dadaptation", "DAdaptAdam"), "torch", lambda p: D(p, lr=1.0),
     "dadapt_adam", m(DADAPT_KEYS))
case("dadapt_adam_decoupled_wd", src_pkg("dadaptation", "DAdaptAdam"), "torch",
     lambda p: D(p, lr=1.0, decouple=True, weight_decay=0.1),
     "dadapt_adam", m(DADAPT_KEYS, decouple=True, weight_decay=0.1))
# extras, to compare with optax.contrib.dadapt_adamw (always bias-corrected)
case("dadapt_adam_bc", src_pkg("dadaptation", "DAdaptAdam"), "torch",
     lambda p: D(p, lr=1.0, use_bias_correction=True),
     "dadapt_adam", m(DADAPT_KEYS, use_bias_correction=True),
     note="extra case: same settings as optax.contrib.dadapt_adamw(1.0)")
case("dadapt_adam_bc_decoupled_wd", src_pkg("dadaptation", "DAdaptAdam"), "torch",
     lambda p: D(p, lr=1.0, use_bias_correction=True, decouple=True, weight_decay=0.1),
     "dadapt_adam", m(DADAPT_KEYS, use_bias_correction=True, decouple=True, weight_decay=0.1),
     note="extra case: same settings as optax.contrib.dadapt_adamw(1.0, weight_decay=0.1)")
case("optax_dadapt_adamw", src_optax("optax.contrib.dadapt_adamw(learning_rate=1.0)"), "optax",
     lambda: optax.contrib.dadapt_adamw(learning_rate=1.0),
     "dadapt_adam", m(DADAPT_KEYS, use_bias_correction=True, decouple=True),
     note="optax's dadapt_adamw always applies Adam bias correction and decoupled weight decay")
case("optax_dadapt_adamw_wd", src_optax("optax.contrib.dadapt_adamw(learning_rate=1.0, weight_decay=0.1)"),
     "optax", lambda: optax.contrib.dadapt_adamw(learning_rate=1.0, weight_decay=0.1),
     "dadapt_adam", m(DADAPT_KEYS, use_bias_correction=True, decouple=True, weight_decay=0.1))

# --- schedulefree (Reference classes = primary cases)
S = schedulefree
case("sf_sgd_ref", src_pkg("schedulefree", "SGDScheduleFreeReference"), "torch-sf-ref",
     lambda p: S.SGDScheduleFreeReference(p, lr=0.1, momentum=0.9),
     "sf_sgd", m(SF_SGD_KEYS, lr=0.1, momentum=0.9))
case("sf_adamw_ref", src_pkg("schedulefree", "AdamWScheduleFreeReference"), "torch-sf-ref",
     lambda p: S.AdamWScheduleFreeReference(p, lr=0.01),
     "sf_adamw", m(SF_ADAMW_KEYS, lr=0.01))
case("sf_adamw_ref_warmup_wd", src_pkg("schedulefree", "AdamWScheduleFreeReference"), "torch-sf-ref",
     lambda p: S.AdamWScheduleFreeReference(p, lr=0.01, warmup_steps=2, weight_decay=0.1),
     "sf_adamw", m(SF_ADAMW_KEYS, lr=0.01, warmup_steps=2, weight_decay=0.1))
# --- schedulefree default (memory-efficient, non-Closure, non-Reference) classes, same settings
case("sf_sgd_fast", src_pkg("schedulefree", "SGDScheduleFree") + " (non-Reference, foreach=True)",
     "torch-sf-fast", lambda p: S.SGDScheduleFree(p, lr=0.1, momentum=0.9),
     "sf_sgd", m(SF_SGD_KEYS, lr=0.1, momentum=0.9))
case("sf_adamw_fast", src_pkg("schedulefree", "AdamWScheduleFree") + " (non-Reference, foreach=True)",
     "torch-sf-fast", lambda p: S.AdamWScheduleFree(p, lr=0.01),
     "sf_adamw", m(SF_ADAMW_KEYS, lr=0.01))
case("sf_adamw_fast_warmup_wd", src_pkg("schedulefree", "AdamWScheduleFree") + " (non-Reference, foreach=True)",
     "torch-sf-fast", lambda p: S.AdamWScheduleFree(p, lr=0.01, warmup_steps=2, weight_decay=0.1),
     "sf_adamw", m(SF_ADAMW_KEYS, lr=0.01, warmup_steps=2, weight_decay=0.1))

# --- extra cases (beyond the brief) that exercise paths the cases above leave idle
case("torch_adam_amsgrad_beta2_0.5", src_torch("Adam"), "torch",
     lambda p: T.Adam(p, lr=0.1, betas=(0.9, 0.5), amsgrad=True),
     "adam", m(ADAM_KEYS, lr=0.1, beta2=0.5, amsgrad=True),
     note="extra: with beta2=0.999 the raw second moment only grows in 5 steps, so amsgrad changes nothing; "
          "torch takes the max of the raw (not bias-corrected) exp_avg_sq")
case("torch_adamw_amsgrad_beta2_0.5", src_torch("AdamW"), "torch",
     lambda p: T.AdamW(p, lr=0.1, betas=(0.9, 0.5), weight_decay=0.1, amsgrad=True),
     "adamw", m(ADAMW_KEYS, lr=0.1, beta2=0.5, weight_decay=0.1, amsgrad=True))
case("prodigy_coupled_wd", src_pkg("prodigyopt", "Prodigy"), "torch",
     lambda p: P(p, lr=1.0, weight_decay=0.1, decouple=False),
     "prodigy", m(PRODIGY_KEYS, weight_decay=0.1, decouple=False))
case("prodigy_d0_growth_coef", src_pkg("prodigyopt", "Prodigy"), "torch",
     lambda p: P(p, lr=0.5, d0=1e-2, growth_rate=1.05, d_coef=2.0, betas=(0.8, 0.99), eps=1e-6),
     "prodigy", m(PRODIGY_KEYS, lr=0.5, d0=1e-2, growth_rate=1.05, d_coef=2.0, beta1=0.8, beta2=0.99, eps=1e-6),
     note="extra: finite growth_rate; note prodigyopt lets d jump to d_hat without the growth cap while d == d0")
case("dadapt_adam_coupled_wd", src_pkg("dadaptation", "DAdaptAdam"), "torch",
     lambda p: D(p, lr=1.0, weight_decay=0.1),
     "dadapt_adam", m(DADAPT_KEYS, weight_decay=0.1))
case("dadapt_adam_d0_growth", src_pkg("dadaptation", "DAdaptAdam"), "torch",
     lambda p: D(p, lr=0.5, d0=1e-2, growth_rate=1.05, betas=(0.8, 0.99), eps=1e-6),
     "dadapt_adam", m(DADAPT_KEYS, lr=0.5, d0=1e-2, growth_rate=1.05, beta1=0.8, beta2=0.99, eps=1e-6))
case("sf_sgd_ref_all", src_pkg("schedulefree", "SGDScheduleFreeReference"), "torch-sf-ref",
     lambda p: S.SGDScheduleFreeReference(p, lr=0.1, momentum=0.8, weight_decay=0.05, warmup_steps=3,
                                          r=1.0, weight_lr_power=1.0),
     "sf_sgd", m(SF_SGD_KEYS, lr=0.1, momentum=0.8, weight_decay=0.05, warmup_steps=3, r=1.0, weight_lr_power=1.0))
case("sf_adamw_ref_all", src_pkg("schedulefree", "AdamWScheduleFreeReference"), "torch-sf-ref",
     lambda p: S.AdamWScheduleFreeReference(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05,
                                            warmup_steps=3, r=1.0, weight_lr_power=1.0),
     "sf_adamw", m(SF_ADAMW_KEYS, lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.05, warmup_steps=3,
                   r=1.0, weight_lr_power=1.0))

# Pairs compared at the end (max abs difference, per problem).
COMPARE = [
    ("optax_sgd_momentum", "torch_sgd_momentum"),
    ("optax_adam", "torch_adam_lr0.1"),
    ("optax_adamw_wd0.1", "torch_adamw_wd0.1"),
    ("optax_prodigy", "prodigy_bc"),
    ("optax_prodigy", "prodigy_default"),
    ("optax_dadapt_adamw", "dadapt_adam_bc"),
    ("optax_dadapt_adamw", "dadapt_adam_default"),
    ("optax_dadapt_adamw_wd", "dadapt_adam_bc_decoupled_wd"),
    ("sf_sgd_fast", "sf_sgd_ref"),
    ("sf_adamw_fast", "sf_adamw_ref"),
    ("sf_adamw_fast_warmup_wd", "sf_adamw_ref_warmup_wd"),
]


def jsonable_opts(d):
    out = {}
    for k, v in d.items():
        if isinstance(v, bool):
            out[k] = v
        else:
            v = float(v)
            assert math.isfinite(v)
            out[k] = v
    return out


def main():
    cases_out = []
    by_name = {}
    for c in CASES:
        for problem in PROBLEMS:
            kind = c["kind"]
            if kind == "optax":
                traj, traj_y = run_optax(problem, c["factory"]())
            elif kind == "torch":
                traj, traj_y = run_torch(problem, c["factory"])
            elif kind == "torch-sf-ref":
                traj, traj_y = run_torch(problem, c["factory"], sf="reference")
            elif kind == "torch-sf-fast":
                traj, traj_y = run_torch(problem, c["factory"], sf="fast")
            else:
                raise ValueError(kind)
            entry = {
                "name": f"{c['tag']}__{problem}",
                "source": c["source"],
                "problem": problem,
                "majorize": {"optimizer": c["mopt"], "opt": jsonable_opts(c["mkeys"])},
                "steps": STEPS,
                "trajectory": traj,
            }
            if traj_y is not None:
                entry["trajectory_y"] = traj_y
                entry["trajectory_is"] = "x (eval mode); trajectory_y holds y (train mode, where grads are taken)"
            if c["note"]:
                entry["note"] = c["note"]
            for step in traj:
                for vals in step.values():
                    assert all(math.isfinite(v) for v in vals)
            cases_out.append(entry)
            by_name[entry["name"]] = entry

    comparisons = []
    for a, b in COMPARE:
        for problem in PROBLEMS:
            ea, eb = by_name[f"{a}__{problem}"], by_name[f"{b}__{problem}"]
            diffs, rels = [], []
            for sa, sb in zip(ea["trajectory"], eb["trajectory"]):
                for n in sa:
                    for u, v in zip(sa[n], sb[n]):
                        diffs.append(abs(u - v))
                        rels.append(abs(u - v) / max(abs(u), abs(v), 1e-300))
            comparisons.append({"a": ea["name"], "b": eb["name"], "max_abs_diff": max(diffs),
                                "max_rel_diff": max(rels)})

    doc = {
        "generated_by": "tests/data/gen_optim_vectors.py (real packages: torch.optim, optax, optax.contrib, "
                        "prodigyopt, dadaptation, schedulefree; float64, CPU, autodiff gradients)",
        "versions": versions(),
        "problems": PROBLEMS,
        "param_order": {p: pnames(p) for p in PROBLEMS},
        "majorize_opt_note": "opt lists every listed key explicitly with the reference's value; "
                             "prodigy beta3 (default sqrt(beta2)) and growth_rate (default inf) are omitted = default. "
                             "eps_in_sqrt appears only where true (optax rmsprop/adagrad).",
        "cases": cases_out,
        "comparisons": comparisons,
    }
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print(f"wrote {OUT}: {len(cases_out)} cases", file=sys.stderr)
    for c in comparisons:
        print(f"  {c['a']:45s} vs {c['b']:45s} max_abs={c['max_abs_diff']:.3e} max_rel={c['max_rel_diff']:.3e}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
