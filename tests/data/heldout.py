"""References for tests/heldout.rs: losses a user would write, evaluated with
numpy at their initial parameters (and their gradients where stated).
Run: python3 tests/data/heldout.py (numpy and scipy; from the crate root)."""
import numpy as np
from scipy.special import erf

d = np.loadtxt("data/iris.csv", delimiter=",", skiprows=1)
X = d[:, :4]
X = (X - X.mean(0)) / X.std(0)
y = d[:, 4].astype(int)

# 1. softmax regression with slices, norm, dot, clip, max of a transpose, min of a residual
W = np.full((4, 3), 0.1); b = np.zeros(3); c = np.array([1.0, 2.0, 3.0])
Z = X @ W + b
P = np.exp(Z - Z.max(1, keepdims=True)); P /= P.sum(1, keepdims=True)
ce = -np.mean(np.log(P[np.arange(150), y]))
hub = np.mean(np.minimum(np.abs(X[:, 0] - X[:, 1:2] @ W[0:1, 0]), 1))
L1 = ce + 1e-2 * np.linalg.norm(W) ** 2 + 0.1 * np.dot(b, c) ** 2 + 1e-3 * np.clip(W, -0.5, 0.5).sum() \
    + 1e-3 * np.maximum(W.T, 0.2).sum() + hub
print("softmax_slices", repr(L1))

# 2. probit regression (erf) with a logsigmoid penalty and real powers
w = np.array([0.5, -0.25, 0.125, 0.0]); s = 0.3
t = (y == 0).astype(float)
p = 0.5 * (1 + erf((X @ w + s) / np.sqrt(2)))
L2 = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)) - 1e-2 * np.sum(-np.log1p(np.exp(-w))) \
    + 1e-3 * 2.0 ** s + 1e-3 * np.sum(np.abs(w) + 1) ** 1.5 + 1e-3 * (s * s + 1) ** (s + 1)
print("probit", repr(L2))

# 3. a robust fit with atan and a Cauchy loss, columns by index, and a transpose product
v = np.array([0.2, -0.1]); M = np.array([[0.3, -0.2], [0.1, 0.4]])
r = X[:, 2] - X[:, 0:2] @ v
L3 = np.mean(np.log1p(r ** 2)) + np.mean(np.arctan(r) ** 2) + 1e-2 * np.sum((M @ M.T) ** 2) \
    + 1e-2 * np.sum(np.tanh(M[:, 0]) * np.sinh(M[1, :]) * np.cosh(M[0, :]))
print("cauchy_atan", repr(L3))
