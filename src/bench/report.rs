//! Writing a bench's results: a markdown report, CSV files and plots.

use std::fmt::Write as _;
use std::path::Path;

use super::BenchError;
use super::harness::{Best, LR_GRID, ProblemResult, RunSummary};
use super::plot::{self, Plot, Series};
use super::problems::Metric;

/// A number for a table: 4 significant digits, scientific when tiny or huge.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "nan".into() } else { "diverged".into() };
    }
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e4).contains(&x.abs()) {
        let digits = (3.0 - x.abs().log10().floor()).clamp(0.0, 7.0) as usize;
        format!("{x:.digits$}")
    } else {
        format!("{x:.3e}")
    }
}

pub(super) fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), num)
}

/// A learning rate, compactly (`1e-3`, `2.5e-3`).
pub(super) fn lr(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:e}"))
}

pub(super) fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.1}%", 100.0 * v))
}

pub(super) fn io(action: &'static str, path: &Path, e: &dyn std::fmt::Display) -> BenchError {
    BenchError::Io { action, path: path.display().to_string(), message: e.to_string() }
}

/// Whether the contender is an MM method.
pub(super) fn is_mm(label: &str) -> bool {
    crate::optim::majorizers().iter().any(|e| e.name == label)
}

/// Seconds per step of the plain gradient step (SGD's selected run).
fn gradient_step(r: &ProblemResult) -> Option<f64> {
    r.best_of("sgd").map(|b| b.run.seconds_per_step()).filter(|s| *s > 0.0)
}

/// The order of a problem's table: by selection score (validation or
/// training loss), failed runs last.
fn ranked(r: &ProblemResult) -> Vec<&Best> {
    let mut v: Vec<&Best> = r.best.iter().collect();
    let key = |b: &Best| {
        let s = b.run.valid_loss.unwrap_or(b.run.loss);
        if s.is_finite() { s } else { f64::INFINITY }
    };
    v.sort_by(|a, b| key(a).total_cmp(&key(b)));
    v
}

fn test_cell(run: &RunSummary, metric: Metric) -> String {
    let t = run.test.as_ref();
    match metric {
        Metric::None => "-".into(),
        Metric::Classification => pct(t.and_then(|t| t.accuracy)),
        Metric::Regression | Metric::Forecast => opt(t.and_then(|t| t.mse)),
    }
}

fn metric_name(m: Metric) -> &'static str {
    match m {
        Metric::None => "held-out metric",
        Metric::Classification => "test accuracy",
        Metric::Regression | Metric::Forecast => "test MSE",
    }
}

/// The summary table: per problem, the best MM method against the best
/// tuned baseline.
fn summary(results: &[ProblemResult], out: &mut String) {
    out.push_str("## Summary: MM with no learning rate against the best tuned baseline\n\n");
    out.push_str("| problem | steps | best MM | loss | best baseline (lr) | loss | MM seconds | baseline seconds incl. lr search | MM step / gradient step | SafeRate step / gradient step |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for r in results {
        let ranked = ranked(r);
        let mm = ranked.iter().find(|b| is_mm(&b.run.contender));
        let base = ranked.iter().find(|b| !is_mm(&b.run.contender));
        let (Some(mm), Some(base)) = (mm, base) else { continue };
        let ratio = |b: &Best| gradient_step(r).map(|g| format!("{:.1}x", b.run.seconds_per_step() / g));
        let saferate = r.best_of("saferate").and_then(ratio).unwrap_or("-".into());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} | {} |",
            r.spec.name,
            r.steps,
            mm.run.contender,
            num(mm.run.loss),
            base.run.contender,
            lr(base.run.lr),
            num(base.run.loss),
            num(mm.run.seconds),
            num(base.search_seconds),
            ratio(mm).unwrap_or("-".into()),
            saferate
        );
    }
    out.push('\n');
}

/// One problem's table and plots.
fn problem_section(r: &ProblemResult, out: &mut String) {
    let split = match r.spec.split {
        None => "no held-out rows".to_string(),
        Some(crate::lang::Split::Interleaved(k)) => format!("every {k}th row held out for test"),
        Some(crate::lang::Split::Chronological { valid, test, gap }) => {
            let gap = if gap > 0 { format!(", the first {gap} rows of each dropped") } else { String::new() };
            format!(
                "split by time: the last {:.0}% test, the {:.0}% before validation{gap}",
                test * 100.0,
                valid * 100.0
            )
        }
    };
    let _ = writeln!(out, "## {}\n", r.spec.name);
    let _ = writeln!(out, "`{}`: {} scalar parameters, {} steps per run, {split}.\n", r.spec.file, r.scalars, r.steps);
    let g = gradient_step(r);
    let _ = writeln!(
        out,
        "| optimizer | lr | final loss | validation loss | {} | steps | stop | ms/step | step / gradient step | seconds incl. lr search (runs) |",
        metric_name(r.spec.metric)
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for b in ranked(r) {
        let run = &b.run;
        let ratio = g.map(|g| format!("{:.1}", run.seconds_per_step() / g)).unwrap_or("-".into());
        let _ = writeln!(
            out,
            "| {}{} | {} | {} | {} | {} | {} | {} | {:.3} | {} | {} ({}) |",
            if is_mm(&run.contender) { "**" } else { "" },
            run.contender.clone() + if is_mm(&run.contender) { "**" } else { "" },
            lr(run.lr),
            num(run.loss),
            opt(run.valid_loss),
            test_cell(run, r.spec.metric),
            run.steps,
            run.stop,
            run.seconds_per_step() * 1e3,
            ratio,
            num(b.search_seconds),
            b.runs
        );
    }
    let _ = writeln!(out, "\n![{0}: loss against step](plots/{0}_steps.png)\n", r.spec.name);
    let _ = writeln!(out, "![{0}: loss against seconds](plots/{0}_seconds.png)\n", r.spec.name);
}

/// The S&P 500 study: every optimizer's test MSE and directional accuracy
/// beside the sanity baselines.
fn study_section(r: &ProblemResult, out: &mut String) {
    let Some(base) = &r.baselines else { return };
    let _ = writeln!(out, "## S&P 500 study: next-week log return\n");
    let _ = writeln!(
        out,
        "{} test weeks. Learning rates chosen on the validation weeks; the test weeks are used only for this table.\n",
        base.periods
    );
    out.push_str("| predictor | lr | validation MSE | test MSE | directional accuracy | beats the mean predictor |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    let mut beaten = Vec::new();
    for b in ranked(r) {
        let t = b.run.test.as_ref();
        let mse = t.and_then(|t| t.mse);
        let beats = mse.is_some_and(|m| m < base.mean_mse);
        if beats {
            beaten.push(b.run.contender.clone());
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            b.run.contender,
            lr(b.run.lr),
            opt(b.run.valid_loss),
            opt(mse),
            pct(t.and_then(|t| t.direction)),
            if beats { "yes" } else { "no" }
        );
    }
    let _ = writeln!(
        out,
        "| predict 0 | - | - | {} | - | {} |",
        num(base.zero_mse),
        if base.zero_mse < base.mean_mse { "yes" } else { "no" }
    );
    let _ = writeln!(
        out,
        "| predict the training mean ({}) | - | - | {} | {} | - |",
        num(base.train_mean),
        num(base.mean_mse),
        pct(Some(if base.train_mean > 0.0 { base.up_share } else { 1.0 - base.up_share }))
    );
    let _ = writeln!(out, "| share of up weeks | - | - | - | {} | - |\n", pct(Some(base.up_share)));
    if beaten.is_empty() {
        out.push_str("**No optimizer beats the mean predictor** on test MSE: at this horizon the features carry no usable signal for this model, and the ranking of optimizers is noise.\n\n");
    } else {
        let _ = writeln!(
            out,
            "**{} of {} optimizers beat the mean predictor** on test MSE ({}), by at most {:.1}%.\n",
            beaten.len(),
            r.best.len(),
            beaten.join(", "),
            100.0
                * (1.0
                    - r.best.iter().filter_map(|b| b.run.test.as_ref()?.mse).fold(f64::INFINITY, f64::min)
                        / base.mean_mse)
        );
    }
}

/// The markdown report.
pub fn markdown(results: &[ProblemResult], command: &str) -> String {
    let mut out = String::from("# Benchmark results\n\n");
    let grid: Vec<String> = LR_GRID.iter().map(|g| format!("{g:e}")).collect();
    let _ = writeln!(
        out,
        "Made by `{command}`. Every baseline runs at its default learning rate and over the grid {{{}}} (7 points, one per decade); its best learning rate is chosen on the final training loss, or on the validation loss where a problem has validation rows, never on test rows. MM methods run once, with no learning rate, and stop when 20 steps in a row leave the parameters unchanged. Times are wall-clock, measured in this one run; ratios compare steps on the same problem in the same run. The gradient step is SGD's.\n",
        grid.join(", ")
    );
    summary(results, &mut out);
    super::learned::section(results, &mut out);
    for r in results {
        if r.spec.study {
            study_section(r, &mut out);
        }
    }
    if results.iter().any(|r| r.network.is_some()) {
        let _ = writeln!(
            out,
            "## Networks: MM against Adam's learning-rate search, and the diagnosis\n\nL100 is the lowest training loss Adam reaches in {} steps over the grid. The diagnosis comes from a separate run of each MM method (its first {} steps, the same steps, not timed): the step over the exact line minimizer along its direction, and the bound's curvature over the true `h''(0)/2` (see docs/mm.md).\n",
            super::networks::L100_STEPS,
            super::networks::DIAGNOSIS_STEPS
        );
        for r in results {
            if let Some(n) = &r.network {
                super::networks::section(r.spec.name, r.steps, n, &mut out);
            }
        }
    }
    for r in results {
        problem_section(r, &mut out);
    }
    out
}

/// Writes `results.md`, `runs.csv`, `traces.csv` and `plots/*.png` to `dir`.
///
/// # Errors
/// [`BenchError::Io`] if a file cannot be written.
pub fn write_all(dir: &Path, results: &[ProblemResult], command: &str) -> Result<(), BenchError> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|e| io("create", &plots, &e))?;
    let md = dir.join("results.md");
    std::fs::write(&md, markdown(results, command)).map_err(|e| io("write", &md, &e))?;
    write_runs(&dir.join("runs.csv"), results)?;
    write_traces(&dir.join("traces.csv"), results)?;
    for r in results {
        for (suffix, x_label, by_time) in [("steps", "step", false), ("seconds", "seconds", true)] {
            let series = r
                .best
                .iter()
                .enumerate()
                .map(|(i, b)| Series {
                    name: b.run.contender.clone(),
                    points: b.trace.iter().map(|&(s, t, l)| (if by_time { t } else { s as f64 }, l)).collect(),
                    color: i,
                    bold: is_mm(&b.run.contender),
                })
                .collect();
            let title = format!("{}: training loss, best learning rate of each optimizer", r.spec.name);
            let path = plots.join(format!("{}_{suffix}.png", r.spec.name));
            let plot = Plot { title: &title, x_label, y_label: "loss", series, log_y: true };
            plot::write(&path.display().to_string(), &plot)?;
        }
    }
    Ok(())
}

pub(super) fn csv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>, BenchError> {
    csv::Writer::from_path(path).map_err(|e| io("write", path, &e))
}

fn write_runs(path: &Path, results: &[ProblemResult]) -> Result<(), BenchError> {
    let mut w = csv_writer(path)?;
    let header = [
        "problem",
        "optimizer",
        "lr",
        "selected",
        "steps",
        "stop",
        "loss",
        "valid_loss",
        "test_loss",
        "test_accuracy",
        "test_mse",
        "test_direction",
        "seconds",
        "seconds_per_step",
        "evaluations",
        "gradients",
        "bounds",
        "default",
        "start",
        "rises",
    ];
    w.write_record(header).map_err(|e| io("write", path, &e))?;
    let f = |x: Option<f64>| x.map(|v| format!("{v:e}")).unwrap_or_default();
    for r in results {
        for run in &r.runs {
            let t = run.test.as_ref();
            let row = [
                r.spec.name.to_string(),
                run.contender.clone(),
                f(run.lr),
                run.selected.to_string(),
                run.steps.to_string(),
                run.stop.clone(),
                format!("{:e}", run.loss),
                f(run.valid_loss),
                f(t.map(|t| t.loss)),
                f(t.and_then(|t| t.accuracy)),
                f(t.and_then(|t| t.mse)),
                f(t.and_then(|t| t.direction)),
                format!("{:e}", run.seconds),
                format!("{:e}", run.seconds_per_step()),
                run.counts.0.to_string(),
                run.counts.1.to_string(),
                run.counts.2.to_string(),
                run.default.to_string(),
                format!("{:e}", run.start),
                run.rises.to_string(),
            ];
            w.write_record(&row).map_err(|e| io("write", path, &e))?;
        }
    }
    w.flush().map_err(|e| io("write", path, &e))
}

fn write_traces(path: &Path, results: &[ProblemResult]) -> Result<(), BenchError> {
    let mut w = csv_writer(path)?;
    w.write_record(["problem", "optimizer", "lr", "step", "seconds", "loss"]).map_err(|e| io("write", path, &e))?;
    for r in results {
        for b in &r.best {
            let lr = b.run.lr.map(|v| format!("{v:e}")).unwrap_or_default();
            for &(step, seconds, loss) in &b.trace {
                let row = [
                    r.spec.name.to_string(),
                    b.run.contender.clone(),
                    lr.clone(),
                    step.to_string(),
                    format!("{seconds:e}"),
                    format!("{loss:e}"),
                ];
                w.write_record(&row).map_err(|e| io("write", path, &e))?;
            }
        }
    }
    w.flush().map_err(|e| io("write", path, &e))
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers() {
        let cases = [
            (0.0, "0"),
            (1.5, "1.500"),
            (123.456, "123.5"),
            (0.012345, "0.01235"),
            (2.5e-7, "2.500e-7"),
            (f64::INFINITY, "diverged"),
        ];
        for (x, want) in cases {
            assert_eq!(num(x), want, "{x}");
        }
    }
}
