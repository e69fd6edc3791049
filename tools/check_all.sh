#!/usr/bin/env bash
# `majorize check` at its defaults on every loss of examples/ and bench/:
# one Markdown row per loss (wall seconds, whether every property held,
# and the cases each property ran of those planned). Used for the table
# of docs/testing.md. Run from the crate root after `cargo build --release`.
set -uo pipefail
bin=${MAJORIZE:-target/release/majorize}
echo "| loss | scalars | seconds | result | bounds | gradients | monotone (all methods) | convergence |"
echo "|---|---|---|---|---|---|---|---|"
for f in examples/*.loss bench/*.loss bench/heldout/*.loss; do
    start=$(date +%s.%N)
    json=$("$bin" check "$f" --json --quiet 2>/dev/null)
    status=$?
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    echo "$json" | jq -r --arg f "$f" --arg s "$(printf %.1f "$secs")" --arg st "$status" '
        def tally(p): [.properties[] | select(.property == p)] | "\(map(.cases) | add)/\(map(.planned) | add)";
        "| `\($f)` | \(.scalars) | \($s) | \(if .passed then "held" else "FAILED (exit \($st))" end) | \(tally("bounds")) | \(tally("gradients")) | \(tally("monotone")) | \(tally("convergence")) |"'
done
