#!/usr/bin/env python3
"""Audit `majorize bound --json` as printed, against mpmath at 50 digits.

Random one-variable expressions over every primitive of the language (from
a generator of its own, not the one of the Rust tests), random expansion
points, regions and degrees. For each, the JSON coefficients are read back
exactly (every printed number is a double) and, at sample points of the
region, the lower and upper polynomials are evaluated in exact rational
arithmetic and compared with f evaluated by mpmath at 50 digits. A false
claim is a point where f lies outside the printed bounds by more than the
50-digit evaluation could err (1e-40 relative); a point where f is undefined
or overflows (for `majorize eval` too: floating point extends some
expressions, as tanh(log(0)) = -1) must come with "finite": false.

    pip install mpmath
    cargo build --release
    python3 tools/audit_bounds.py --cases 2000 --seed 1

Prints a summary line and every false claim (with the command that shows
it); exits 1 if there is one.
"""

import argparse
import json
import random
import re
import subprocess
import sys
from fractions import Fraction

from mpmath import mp, mpf

mp.dps = 50

NUMBER = re.compile(r"(?<![A-Za-z_0-9.])(\d+\.?\d*(?:[eE][-+]?\d+)?)")

UNARY = ["exp", "log", "sqrt", "cbrt", "rsqrt", "abs", "sigmoid", "softplus", "tanh",
         "relu", "swish", "sin", "cos", "log1p", "expm1"]


def number(rng):
    return repr(round(rng.uniform(-3, 3), rng.choice([0, 1, 2, 3, 17])))


def expression(rng, depth):
    """A random expression in x; arguments of domain-limited functions are
    often, not always, made positive (so some regions leave the domain)."""
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(["x", "x", number(rng)])
    kind = rng.random()
    a = expression(rng, depth - 1)
    if kind < 0.45:
        f = rng.choice(UNARY)
        if f in ("log", "sqrt", "rsqrt", "log1p") and rng.random() < 0.8:
            a = f"({a})^2 + {abs(float(number(rng))) + 0.1}"
        if f in ("exp", "expm1") and rng.random() < 0.7:
            a = f"tanh({a})"
        return f"{f}({a})"
    if kind < 0.85:
        op = rng.choice(["+", "-", "*", "/"])
        b = expression(rng, depth - 1)
        if op == "/" and rng.random() < 0.8:
            b = f"(({b})^2 + {abs(float(number(rng))) + 0.2})"
        return f"({a} {op} {b})"
    if kind < 0.95:
        return f"({a})^{rng.choice([2, 3, 4, -1, -2])}"
    return f"(({a})^2 + 0.5)^{rng.choice([0.5, 1.5, -0.5, 0.3333])}"


def mp_eval(text, x):
    """f(x) with mpmath; None where undefined (or too large for a double)."""
    sig = lambda t: 1 / (1 + mp.exp(-t))
    env = {
        "x": x,
        "exp": mp.exp, "log": lambda t: mp.log(t) if t > 0 else mp.nan,
        "sqrt": lambda t: mp.sqrt(t) if t >= 0 else mp.nan,
        "cbrt": lambda t: mp.cbrt(t) if t >= 0 else -mp.cbrt(-t),
        "rsqrt": lambda t: 1 / mp.sqrt(t) if t > 0 else mp.nan,
        "abs": abs, "sigmoid": sig, "softplus": lambda t: mp.log(1 + mp.exp(t)),
        "tanh": mp.tanh, "relu": lambda t: t if t > 0 else mpf(0), "swish": lambda t: t * sig(t),
        "sin": mp.sin, "cos": mp.cos,
        "log1p": lambda t: mp.log1p(t) if t > -1 else mp.nan, "expm1": mp.expm1,
    }
    # Every literal is the double the parser reads, as an exact mpf, so
    # constant subexpressions are evaluated at 50 digits too.
    py = NUMBER.sub(lambda m: f'D("{m.group(1)}")', text).replace("^", "**")
    env["D"] = lambda s: mpf(float(s))
    try:
        v = eval(py, {"__builtins__": {}}, env)  # noqa: S307 - our own generated text
    except (ZeroDivisionError, ValueError, OverflowError, TypeError):
        return None
    if not isinstance(v, mpf):
        v = mpf(v)
    if mp.isnan(v) or mp.isinf(v) or abs(v) > mpf("1.7e308") or getattr(v, "imag", 0):
        return None
    return v


def eval_finite(binary, text, x):
    out = subprocess.run([binary, "eval", text, f"--init=x={x!r}", "--json", "--no-simplify"], capture_output=True, text=True)
    return out.returncode == 0 and json.loads(out.stdout)["loss"] is not None


def interval(c):
    if isinstance(c, list):
        return c[0], c[1]
    return c, c


def bounds_at(coefs, z):
    """Exact lower and upper ends of sum C_i z^i (None for an infinite end)."""
    lo, hi = Fraction(0), Fraction(0)
    power = Fraction(1)
    for i, c in enumerate(coefs):
        if i:
            power *= z
        if power == 0:
            continue
        a, b = interval(c)
        if a is None or b is None:
            return None
        a, b = Fraction(a) * power, Fraction(b) * power
        lo += min(a, b)
        hi += max(a, b)
    return lo, hi


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--points", type=int, default=41)
    p.add_argument("--binary", default="target/release/majorize")
    p.add_argument("--verbose", action="store_true", help="print the expressions refused, and why")
    args = p.parse_args()
    rng = random.Random(args.seed)
    checked = skipped = infinite = extended = false_claims = 0
    for _ in range(args.cases):
        text = expression(rng, rng.randint(1, 5))
        if not re.search(r"\bx\b", text):
            text = f"x + {text}"
        x0 = rng.uniform(-2, 2)
        lo, hi = x0 - rng.uniform(0, 1.5) * rng.choice([1, 1e-3]), x0 + rng.uniform(0, 1.5) * rng.choice([1, 1e-3])
        k = rng.randint(0, 6)
        cmd = [args.binary, "bound", text, f"--at={x0!r}", f"--over={lo!r},{hi!r}", f"--degree={k}", "--json"]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            skipped += 1
            if args.verbose:
                print(f"refused: {text}: {out.stderr.strip().splitlines()[0]}")
            continue
        d = json.loads(out.stdout)
        coefs = d["coefficients"]
        for j in range(args.points):
            x = lo + (hi - lo) * j / (args.points - 1)
            x = min(max(x, lo), hi)
            fx = mp_eval(text, mpf(x))
            z = Fraction(x) - Fraction(x0)
            b = bounds_at(coefs, z)
            if fx is None:
                # Undefined for mpmath (log(0), 1/0): what `eval` says decides,
                # since floating point extends some of these (tanh(log(0)) = -1).
                if d["finite"] and not eval_finite(args.binary, text, x):
                    false_claims += 1
                    print(f"finite but f is undefined at {x!r}: {' '.join(repr(c) for c in cmd)}")
                extended += 1
                continue
            if b is None:
                infinite += 1
                continue
            checked += 1
            f = Fraction(str(fx))  # 50 significant digits
            slack = abs(f) * Fraction(1, 10**40) + Fraction(1, 10**300)
            if f < b[0] - slack or f > b[1] + slack:
                false_claims += 1
                print(f"false claim at x = {x!r}: f = {mp.nstr(fx, 20)}, bounds [{float(b[0])}, {float(b[1])}]: "
                      + " ".join(repr(c) for c in cmd))
    print(f"{args.cases} cases: {checked} points checked, {infinite} with an infinite bound, "
          f"{extended} where f is defined only in floating point or not at all, "
          f"{skipped} refused expressions, {false_claims} false claims")
    sys.exit(1 if false_claims else 0)


if __name__ == "__main__":
    main()
