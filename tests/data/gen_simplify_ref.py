#!/usr/bin/env python3
"""Fill in the reference's widths in tests/data/simplify_cases.json: the
width of the last coefficient of the degree-k Taylor enclosure that the JAX
reference (google/autobound, `autobound.jax.taylor_bounds`) gives for each
expression, with and without `propagate_trust_regions`.

How to run (writes the JSON next to this script in place):

    python3 -m venv /tmp/ab/venv
    /tmp/ab/venv/bin/pip install autobound==0.1.4 jax==0.4.23 jaxlib==0.4.23 "numpy<2"
    /tmp/ab/venv/bin/python tests/data/gen_simplify_ref.py

(autobound 0.1.4 needs a jax older than 0.4.24, which removed
`jax.core.Jaxpr` from where it looks.) Everything runs in float64
(jax_enable_x64). A width is null where the reference returns NaN or an
infinite end, or raises.
"""

import json
import math
import os

import jax
import jax.numpy as jnp
import autobound.jax as ab

jax.config.update("jax_enable_x64", True)

NAMES = {
    "exp": jnp.exp, "log": jnp.log, "sqrt": jnp.sqrt, "abs": jnp.abs,
    "tanh": jnp.tanh, "sin": jnp.sin, "cos": jnp.cos, "log1p": jnp.log1p,
    "expm1": jnp.expm1, "sigmoid": jax.nn.sigmoid, "softplus": jax.nn.softplus,
    "swish": jax.nn.swish,
}


def function(expr):
    """Our syntax to a Python function of x: only `^` differs."""
    code = expr.replace("^", "**")
    return lambda x: eval(code, {"__builtins__": {}}, dict(NAMES, x=x))


def width(expr, x0, over, degree, propagate):
    try:
        b = ab.taylor_bounds(function(expr), max_degree=degree,
                             propagate_trust_regions=propagate)(x0, tuple(over))
        last = b.coefficients[-1]
        # A point coefficient (exact, as for x*x) comes back as a scalar.
        lo, hi = (float(last), float(last)) if jnp.ndim(last) == 0 and not isinstance(last, tuple) else (float(v) for v in last)
    except Exception:  # the reference cannot bound it (NotImplementedError for tanh, ...)
        return None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return hi - lo


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "simplify_cases.json")
    with open(path) as f:
        data = json.load(f)
    for c in data["cases"]:
        for key, prop in (("ref_width_prop", True), ("ref_width_noprop", False)):
            c[key] = width(c["expr"], c["x0"], c["over"], c["degree"], prop)
    data["reference"] = f"autobound 0.1.4, jax {jax.__version__}, float64"
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
