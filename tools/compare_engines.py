"""Compares `majorize eval --grad --json` of two builds on every bench/ loss.

Usage (from bench/): python3 ../tools/compare_engines.py OLD_BINARY NEW_BINARY [EXTRA.loss ...]
Prints, per loss (simplified and as written), the largest elementwise
relative difference of the loss and gradient, and the largest absolute
difference over the largest magnitude.
"""
import json, subprocess, sys, glob
worst = 0.0
old, new = sys.argv[1], sys.argv[2]
for f in sorted(glob.glob("*.loss")) + sys.argv[3:]:
    for simp in ([], ["--no-simplify"]):
        out = []
        for b in [old, new]:
            r = subprocess.run([b, "eval", f, "--grad", "--json"] + simp, capture_output=True, text=True)
            out.append(json.loads(r.stdout))
        a, b = out
        def flat(v):
            if isinstance(v, list):
                for x in v: yield from flat(x)
            elif isinstance(v, dict):
                for k in sorted(v): yield from flat(v[k])
            else: yield v
        fa = [a["loss"]] + list(flat(a["grad"])); fb = [b["loss"]] + list(flat(b["grad"]))
        assert len(fa) == len(fb)
        scale = max(abs(x) for x in fa)
        rel = max(abs(x - y) / max(abs(x), 1e-300) if x != y else 0 for x, y in zip(fa, fb))
        relscale = max(abs(x - y) for x, y in zip(fa, fb)) / scale
        worst = max(worst, rel)
        print(f"{f:28s} {' '.join(simp):14s} n={len(fa):5d} max elementwise rel {rel:.2e}, max abs/scale {relscale:.2e}")
print(f"worst elementwise relative difference: {worst:.2e}")
