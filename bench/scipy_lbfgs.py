#!/usr/bin/env python3
"""SciPy's L-BFGS-B beside majorize on the convex problems and test functions of bench/.

Each loss is written here in NumPy with its analytic gradient, on the same
data (the same columns, standardized as the .loss files say) and from the
same initial point. SciPy runs L-BFGS-B (no bounds, memory 10) to a tight
tolerance; the wall time is that of `scipy.optimize.minimize` in-process
(median of 5), without interpreter start-up. majorize runs each given
method through its command line with --json; its time is the run's own
(from the first gradient to the last, in-process).

    python3 bench/scipy_lbfgs.py [MAJORIZE_BINARY] [--methods lbfgs,...] [--reference FILE]

prints a JSON object (and a markdown table on stderr). With --reference
FILE it also writes SciPy's optimum on every problem and its first 20
iterates on those of at most 40 parameters, which tests/lbfgs.rs compares with ours
(tests/data/scipy_lbfgs.json is this file).
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
from scipy.optimize import minimize

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def csv(name, skip=0, cols=None, standardize=False):
    path = os.path.join(DATA, name)
    with open(path) as fh:
        first = fh.readlines()[skip]
    a = np.loadtxt(path, delimiter="," if "," in first else None, skiprows=skip, ndmin=2)
    if cols is not None:
        a = a[:, cols]
    if standardize:
        sd = a.std(axis=0)
        a = (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return a


def softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z):
    return np.exp(-softplus(-z))


def logistic(X, y, lam):
    n, k = X.shape

    def f(p):
        w, b = p[:k], p[k]
        z = X @ w + b
        r = sigmoid(z) - y
        return np.mean(softplus(z) - y * z) + lam * w @ w, np.concatenate([X.T @ r / n + 2 * lam * w, [r.mean()]])

    return f, np.zeros(k + 1)


def ridge(X, t, lam):
    n, k = X.shape

    def f(p):
        w, b = p[:k], p[k]
        r = X @ w + b - t
        return 0.5 * np.mean(r * r) + lam * w @ w, np.concatenate([X.T @ r / n + 2 * lam * w, [r.mean()]])

    return f, np.zeros(k + 1)


def softmax(X, y, classes, lam):
    n, k = X.shape
    Y = np.eye(classes)[y.astype(int)]

    def f(p):
        W, b = p[: k * classes].reshape(k, classes), p[k * classes :]
        Z = X @ W + b
        m = Z.max(axis=1, keepdims=True)
        E = np.exp(Z - m)
        s = E.sum(axis=1, keepdims=True)
        lse = (m + np.log(s))[:, 0]
        loss = np.mean(lse - (Y * Z).sum(axis=1)) + lam * np.sum(W * W)
        G = (E / s - Y) / n
        return loss, np.concatenate([(X.T @ G + 2 * lam * W).ravel(), G.sum(axis=0)])

    return f, np.zeros(k * classes + classes)


def two(fg, x0):
    return (lambda p: fg(p[0], p[1])), np.array(x0, dtype=float)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2, np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def beale(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y**3
    return a * a + b * b + c * c, np.array(
        [2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y**3 - 1), 2 * a * x + 4 * b * x * y + 6 * c * x * y * y]
    )


def booth(x, y):
    a, b = x + 2 * y - 7, 2 * x + y - 5
    return a * a + b * b, np.array([2 * a + 4 * b, 4 * a + 2 * b])


def himmelblau(x, y):
    a, b = x * x + y - 11, x + y * y - 7
    return a * a + b * b, np.array([4 * a * x + 2 * b, 2 * a + 4 * b * y])


def matyas(x, y):
    return 0.26 * (x * x + y * y) - 0.48 * x * y, np.array([0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x])


def three_hump_camel(x, y):
    return 2 * x * x - 1.05 * x**4 + x**6 / 6 + x * y + y * y, np.array([4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y])


def goldstein_price(x, y):
    u = x + y + 1
    v = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y
    s = 2 * x - 3 * y
    t = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y
    a, b = 1 + u * u * v, 30 + s * s * t
    da = np.array([2 * u * v + u * u * (-14 + 6 * x + 6 * y), 2 * u * v + u * u * (-14 + 6 * x + 6 * y)])
    db = np.array([4 * s * t + s * s * (-32 + 24 * x - 36 * y), -6 * s * t + s * s * (48 - 36 * x + 54 * y)])
    return a * b, da * b + a * db


def problems():
    bc = csv("breast_cancer.csv", skip=1)
    iris = csv("iris.csv", skip=1)
    wine = csv("wine_data.csv", skip=1)
    dig = csv("digits.csv")
    return {
        "logistic_breast_cancer": logistic(csv("breast_cancer.csv", 1, slice(0, 30), True), bc[:, 30], 1e-3),
        "ridge_diabetes": ridge(csv("diabetes_data.csv", standardize=True), csv("diabetes_target.csv", standardize=True)[:, 0], 1e-2),
        "softmax_iris": softmax(csv("iris.csv", 1, slice(0, 4), True), iris[:, 4], 3, 1e-3),
        "softmax_wine": softmax(csv("wine_data.csv", 1, slice(0, 13), True), wine[:, 13], 3, 1e-3),
        "softmax_digits": softmax(dig[:, :64] / 16, dig[:, 64], 10, 1e-3),
        "beale": two(beale, [1, 1]),
        "booth": two(booth, [0, 0]),
        "goldstein_price": two(goldstein_price, [0.5, -0.5]),
        "himmelblau": two(himmelblau, [0, 0]),
        "matyas": two(matyas, [10, 7]),
        "rosenbrock": two(rosenbrock, [-1.2, 1]),
        "three_hump_camel": two(three_hump_camel, [2, 1.5]),
    }


OPTIONS = {"maxcor": 10, "gtol": 1e-10, "ftol": 1e-15, "maxiter": 20000, "maxls": 20}


def scipy_run(f, x0):
    iterates = [x0.copy()]
    res = minimize(f, x0, jac=True, method="L-BFGS-B", options=OPTIONS, callback=lambda xk: iterates.append(xk.copy()))
    times = []
    for _ in range(5):
        t = time.perf_counter()
        minimize(f, x0, jac=True, method="L-BFGS-B", options=OPTIONS)
        times.append(time.perf_counter() - t)
    return res, iterates, float(np.median(times))


def ours(binary, name, method):
    path = os.path.join(HERE, name + ".loss")
    cmd = [binary, "minimize", path, "--optimizer"] + method.split() + ["--steps", "20000", "--tol", "1e-10", "--json", "--quiet"]
    run = subprocess.run(cmd + ["--max-seconds", "60"], capture_output=True, text=True)
    # A method that does not apply to the problem (fullmm beyond its size) is left out.
    return json.loads(run.stdout) if run.returncode == 0 else None


def main():
    args = sys.argv[1:]
    binary = os.path.join(HERE, "..", "target", "release", "majorize")
    methods = ["lbfgs"]
    reference = None
    while args:
        a = args.pop(0)
        if a == "--methods":
            methods = args.pop(0).split(",")
        elif a == "--reference":
            reference = args.pop(0)
        else:
            binary = a
    report, refs = {}, {}
    for name, (f, x0) in problems().items():
        res, iterates, secs = scipy_run(f, x0)
        row = {"scipy": {"loss": float(res.fun), "iterations": int(res.nit), "evaluations": int(res.nfev), "seconds": secs}}
        refs[name] = {"loss": float(res.fun), "iterations": int(res.nit)}
        if len(x0) <= 40:
            refs[name]["iterates"] = [x.tolist() for x in iterates[:21]]
        for m in methods if os.path.exists(binary) else []:
            o = ours(binary, name, m)
            if o is not None:
                row[m] = {k: o.get(k) for k in ("loss", "steps", "seconds", "stop_reason")}
        report[name] = row
    if reference:
        with open(reference, "w") as fh:
            json.dump({"scipy": __import__("scipy").__version__, "options": OPTIONS, "problems": refs}, fh)
            fh.write("\n")
    print(json.dumps(report, indent=1))
    head = "| problem | scipy L-BFGS-B: loss, iterations, ms |" + "".join(f" {m}: loss, steps, ms |" for m in methods)
    print(head, file=sys.stderr)
    print("|---|---|" + "---|" * len(methods), file=sys.stderr)
    for name, row in report.items():
        s = row["scipy"]
        cells = [f"{s['loss']:.14g}, {s['iterations']}, {1e3 * s['seconds']:.2f}"]
        for m in methods:
            o = row.get(m)
            if o and o.get("loss") is not None:
                cells.append(f"{o['loss']:.14g}, {o['steps']}, {1e3 * (o['seconds'] or 0):.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |", file=sys.stderr)


if __name__ == "__main__":
    main()
