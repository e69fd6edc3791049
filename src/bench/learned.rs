//! The learned optimizer on held-out problems: `learned`, its control
//! (`adam_meta`, Adam with meta-trained hyperparameters) and
//! `saferate_learned` against every baseline at its default setting and at
//! its best learning rate, with the targets counted and every
//! divergence named. None of `bench/` is among the meta-training tasks.

use std::fmt::Write as _;

use super::harness::{ProblemResult, RunSummary};
use super::problems::Metric;
use super::report::{is_mm, num};

/// The learned optimizer, its control and its certified form.
pub const LABELS: [&str; 3] = ["learned", "adam_meta", "saferate_learned"];

/// A run diverged: its final loss is not finite, or above its start.
pub fn diverged(run: &RunSummary) -> bool {
    !run.loss.is_finite() || run.loss > run.start
}

/// A baseline in the comparison: not MM, not one of [`LABELS`].
fn is_baseline(label: &str) -> bool {
    !is_mm(label) && !LABELS.contains(&label)
}

/// The lowest final loss among `runs` (failed runs count as infinite).
fn lowest<'a>(runs: impl Iterator<Item = &'a RunSummary>) -> Option<&'a RunSummary> {
    runs.min_by(|a, b| a.loss.total_cmp(&b.loss))
}

/// One problem's comparison.
struct Row<'a> {
    name: &'a str,
    data: bool,
    start: f64,
    mine: [Option<&'a RunSummary>; 3],
    best_default: Option<&'a RunSummary>,
    best_tuned: Option<&'a RunSummary>,
}

fn row(r: &ProblemResult) -> Row<'_> {
    let selected = |label: &str| r.best_of(label).map(|b| &b.run);
    let mine = LABELS.map(selected);
    let best_default = lowest(r.runs.iter().filter(|x| is_baseline(&x.contender) && x.default));
    let best_tuned = lowest(r.runs.iter().filter(|x| is_baseline(&x.contender)));
    let start = r.runs.iter().map(|x| x.start).find(|s| s.is_finite()).unwrap_or(f64::NAN);
    Row { name: r.spec.name, data: r.spec.metric != Metric::None, start, mine, best_default, best_tuned }
}

fn cell(run: Option<&RunSummary>) -> String {
    match run {
        Some(x) if diverged(x) => format!("{} (diverged)", num(x.loss)),
        Some(x) => num(x.loss),
        None => "-".into(),
    }
}

fn named(run: Option<&RunSummary>) -> String {
    match run {
        Some(x) => {
            let lr = x.lr.map(|l| format!(" {l:e}")).unwrap_or_default();
            format!("{} ({}{lr})", num(x.loss), x.contender)
        }
        None => "-".into(),
    }
}

/// Writes the section, if the results hold a `learned` run.
pub fn section(results: &[ProblemResult], out: &mut String) {
    let rows: Vec<Row<'_>> = results.iter().filter(|r| r.best_of("learned").is_some()).map(row).collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("## The learned optimizer on held-out problems\n\n");
    out.push_str("`learned` (one setting, no learning rate), its control `adam_meta` (Adam at the (lr, beta1, beta2) meta-trained on the same tasks with the same budget) and `saferate_learned` (SafeRate's certified step along the learned update), beside the lowest final training loss of any baseline at its default setting and of any baseline at its best learning rate of the grid. A run *diverged* if its final loss is not finite or above its start. No problem of `bench/` is among the meta-training tasks (docs/learned.md).\n\n");
    out.push_str("| problem | start | learned | adam_meta | saferate_learned | best baseline at default | best baseline, tuned |\n|---|---|---|---|---|---|---|\n");
    for w in &rows {
        let _ = writeln!(
            out,
            "| {}{} | {} | {} | {} | {} | {} | {} |",
            w.name,
            if w.data { "" } else { " (test function)" },
            num(w.start),
            cell(w.mine[0]),
            cell(w.mine[1]),
            cell(w.mine[2]),
            named(w.best_default),
            named(w.best_tuned)
        );
    }
    let loss =
        |x: Option<&RunSummary>| x.map_or(f64::INFINITY, |x| if x.loss.is_finite() { x.loss } else { f64::INFINITY });
    let count = |f: &dyn Fn(&Row<'_>) -> bool| rows.iter().filter(|w| f(w)).count();
    // A comparison with a contender the run left out (`--only`) counts as lost.
    let data = count(&|w| w.data);
    let beats_defaults = count(&|w| w.data && w.best_default.is_some() && loss(w.mine[0]) < loss(w.best_default));
    let within = count(&|w| w.best_tuned.is_some() && loss(w.mine[0]) <= 10.0 * loss(w.best_tuned));
    let beats_control = count(&|w| w.mine[1].is_some() && loss(w.mine[0]) < loss(w.mine[1]));
    let safe_no_worse = count(&|w| w.mine[2].is_some() && loss(w.mine[2]) <= loss(w.mine[0]));
    let safe_monotone = count(&|w| w.mine[2].is_some_and(|x| x.rises == 0 && x.loss.is_finite()));
    let n = rows.len();
    let _ = writeln!(out, "\nTargets, counted on these {n} problems:\n");
    let _ = writeln!(
        out,
        "- `learned` below every baseline at its default on {beats_defaults} of {data} data problems (target: 3 of 4)."
    );
    let _ = writeln!(
        out,
        "- `learned` within 10x of the best-tuned baseline's final training loss on {within} of {n} (target: half)."
    );
    let _ = writeln!(out, "- `learned` below its control `adam_meta` on {beats_control} of {n} (target: a majority).");
    let _ = writeln!(
        out,
        "- `saferate_learned` monotone (no step raised the loss) on {safe_monotone} of {n}, and no worse than `learned` on {safe_no_worse} of {n}."
    );
    out.push_str(
        "\nDivergences (final loss not finite or above the start), of each contender at its default setting:\n\n",
    );
    let mut labels: Vec<&str> = Vec::new();
    for r in results {
        for x in r.runs.iter().filter(|x| x.default) {
            if !labels.contains(&x.contender.as_str()) {
                labels.push(&x.contender);
            }
        }
    }
    out.push_str("| contender | diverged on |\n|---|---|\n");
    for label in labels {
        let bad: Vec<&str> = results
            .iter()
            .filter(|r| r.runs.iter().any(|x| x.default && x.contender == label && diverged(x)))
            .map(|r| r.spec.name)
            .collect();
        let runs = results.iter().filter(|r| r.runs.iter().any(|x| x.default && x.contender == label)).count();
        let list = if bad.is_empty() { "none".to_string() } else { bad.join(", ") };
        let _ = writeln!(out, "| {label} | {} of {runs}: {list} |", bad.len());
    }
    out.push('\n');
}
