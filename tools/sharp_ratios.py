#!/usr/bin/env python3
"""The degree-2 cases of issue 11 whose fallback was loose: the width of
`majorize bound`'s remainder interval against the exact range of the
remainder ratio R_2(y) = (f(y) - f(c) - f'(c)(y - c)) / (y - c)^2 over the
region, sampled at 4001 points with mpmath at 40 digits (a sub-interval of
the true range, so the printed ratio is an upper bound on the true one).

    pip install mpmath
    cargo build --release
    python3 tools/sharp_ratios.py
"""

import json
import subprocess

from mpmath import cos, diff, exp, mp, mpf, sin

mp.dps = 40


def sig(t):
    return 1 / (1 + exp(-t))


CASES = [
    ("cos(x)", cos, -3.627, -4.7165, -0.9546),
    ("sin(x)", sin, 1.346, 0.2191, 2.1857),
    ("sigmoid(x)", sig, -0.817, -3.61, 2.02),
    ("swish(x)", lambda t: t * sig(t), 0.3, -2.0, 2.0),
    ("x/(1 + exp(-x))", lambda t: t * sig(t), 0.3, -2.0, 2.0),
    ("1/(1 + exp(-(2*x + 1)))", lambda t: sig(2 * t + 1), 0.0, -1.0, 1.0),
]

for text, f, c, lo, hi in CASES:
    out = subprocess.run(
        ["target/release/majorize", "bound", text, f"--at={c}", f"--over={lo},{hi}", "--json"],
        capture_output=True, text=True, check=True,
    )
    ours = json.loads(out.stdout)["coefficients"][-1]
    c = mpf(c)
    f0, f1 = f(c), diff(f, c)
    vals = []
    for i in range(4001):
        y = mpf(lo) + (mpf(hi) - lo) * i / 4000
        if abs(y - c) > mpf(10) ** -6:
            vals.append((f(y) - f0 - f1 * (y - c)) / (y - c) ** 2)
    rmin, rmax = min(vals), max(vals)
    print(f"{text} at {float(c)} over [{lo}, {hi}]: ours [{ours[0]:.6g}, {ours[1]:.6g}], "
          f"exact [{float(rmin):.6g}, {float(rmax):.6g}], {(ours[1] - ours[0]) / float(rmax - rmin):.3f}x")
